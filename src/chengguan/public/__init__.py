"""Public participation without an account: follow a report by its number and query code, see the
result (photos without GPS, department names, no staff names or reporter contacts) and rate it.

Reporting itself is ``POST /api/v1/reports`` without a login (the ``public`` channel, rate-limited),
which answers with ``case_no`` and the one-time ``public_code``. The public-participation module
(Open311, rewards, social supervisors) builds on this package."""
