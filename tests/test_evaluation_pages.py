"""The consoles of evaluation, bulletin, assessment and standardization render for their roles."""

from __future__ import annotations

from typing import Any

import pytest


def _login(client: Any, username: str) -> None:
    r = client.post("/api/v1/auth/login", json={"username": username, "password": "demo"})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(("path", "user", "marker"), [
    ("/evaluation", "leader1", "/static/js/pages/evaluation.js"),
    ("/bulletins", "leader1", "/static/js/pages/bulletins.js"),
    ("/assessment", "assessor1", "/static/js/pages/assessment.js"),
    ("/standardization", "assessor1", "/static/js/pages/standardization.js"),
])
def test_console_pages(client: Any, path: str, user: str, marker: str) -> None:
    _login(client, user)
    r = client.get(path)
    assert r.status_code == 200 and marker in r.text
    js = client.get(marker)
    assert js.status_code == 200


def test_pages_refuse_other_roles(client: Any) -> None:
    _login(client, "citizen1")
    for path in ("/evaluation", "/bulletins", "/assessment", "/standardization"):
        assert client.get(path).status_code == 403


def test_public_ranking_page_needs_no_login(client: Any) -> None:
    r = client.get("/ranking")
    assert r.status_code == 200 and "考评排名" in r.text
