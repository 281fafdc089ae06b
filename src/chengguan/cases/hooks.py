"""Extension points other domains plug into the intake (kept few and named)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from chengguan.accounts.principal import Principal

# Each check returns True when this reporter's reports may skip 核实 (e.g. a registered 社会监督员
# in a city that allows it). Registered by the public-participation domain.
SKIP_VERIFY_CHECKS: list[Callable[[Session, Principal], bool]] = []


def skips_verification(session: Session, p: Principal) -> bool:
    return any(check(session, p) for check in SKIP_VERIFY_CHECKS)
