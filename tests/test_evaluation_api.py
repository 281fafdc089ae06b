"""Evaluation through the API on a hand-built month (2027-03: only this test's cases exist in it)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from casehelpers import Flow
from chengguan.core import clock

PERIOD = "2027-03"


@pytest.fixture
def month(client: Any, auth: Any) -> dict[str, Any]:
    """A: patrol report → closed on time. B: patrol report → rework → closed. C: patrol report voided
    before 立案. D: public report, verified and registered (not dispatched)."""
    with clock.frozen(datetime(2027, 3, 3, 2, 0, tzinfo=UTC)) as ck:  # Wed 10:00 Shanghai
        f = Flow(client, auth)
        a = f.to_fed_back()
        ck.advance(minutes=10)
        f.act(a["id"], "check", "collector1", passed=True, photos=[f.photo()])
        f.act(a["id"], "close", "shiftlead1")
        b = f.to_fed_back()
        f.act(b["id"], "check", "collector1", passed=False, opinion="未清理干净", photos=[f.photo()])
        f.act(b["id"], "feedback", "dept1", photos=[f.photo("dept1")], opinion="已再次清理")
        f.act(b["id"], "check", "collector1", passed=True, photos=[f.photo()])
        f.act(b["id"], "close", "shiftlead1")
        c = f.report()
        f.act(c["id"], "void", "shiftlead1", opinion="重复上报")
        d = f.report(user=None, channel="public")
        assert d["status"] == "verifying"
        f.act(d["id"], "verify", "collector1", passed=True, photos=[f.photo()])
        f.act(d["id"], "register", "shiftlead1")
        case = f.get(a["id"])
    return {"a": a, "b": b, "c": c, "d": d, "street": case["street_code"], "grid": case["grid_code"]}


def _row(data: dict[str, Any], key: str) -> dict[str, Any]:
    rows = [r for r in data["items"] if r["key"] == key]
    assert rows, f"no row {key} in {[r['key'] for r in data['items']]}"
    return rows[0]


def test_region_department_post_by_hand(client: Any, auth: Any, month: dict[str, Any]) -> None:
    h = auth("leader1")
    r = client.get("/api/v1/evaluation/region", params={"period": PERIOD, "unit": "street"}, headers=h)
    assert r.status_code == 200, r.text
    row = _row(r.json(), month["street"])
    c = row["counts"]
    assert (c["reports"], c["patrol_reports"], c["public_reports"]) == (4, 3, 1)
    assert (c["registered"], c["registered_public"], c["should_close"], c["closed"]) == (3, 1, 3, 2)
    assert (c["tasks"], c["disposed"], c["rework"], c["closed_on_time"]) == (3, 3, 1, 2)
    ind = row["indicators"]
    assert ind["public_report_rate"]["value"] == pytest.approx(1 / 3)
    assert ind["close_rate"]["value"] == pytest.approx(2 / 3)
    assert ind["rectification_rate"]["value"] == pytest.approx(2 / 3)
    assert ind["discovery_rate"]["value"] == pytest.approx(3 / 4)
    # few cases per grid → 立案数分值 100; 一类: (66.67·10 + 100·20 + 66.67·30 + 66.67·40)/100 = 73.33
    expected = 73.33 if row["region_class"] == 1 else 77.78
    assert row["composite"] == pytest.approx(expected, abs=0.01)
    assert row["grade"] == ("C" if row["region_class"] == 1 else "B")
    # other streets: no cases → no composite, shown as "—" (null), never a division error
    others = [x for x in r.json()["items"] if x["key"] != month["street"]]
    assert others and all(x["composite"] is None and x["grade"] is None for x in others)

    r = client.get("/api/v1/evaluation/department", params={"period": PERIOD}, headers=h)
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert len(items) == 1
    d = items[0]
    assert (d["counts"]["dispatched"], d["counts"]["closed"], d["counts"]["rework"]) == (2, 2, 1)
    assert d["indicators"]["rework_rate"]["value"] == 0.5
    assert d["composite"] == 85.0 and d["grade"] == "B" and d["rank"] == 1

    r = client.get("/api/v1/evaluation/post", params={"period": PERIOD}, headers=h)
    assert r.status_code == 200, r.text
    posts = {x["post"]: x for x in r.json()["items"]}
    col = posts["collector"]
    assert (col["counts"]["patrol_reports"], col["counts"]["registered_patrol"]) == (3, 2)
    assert col["counts"]["checks"] == 3 and col["counts"]["verified"] == 1
    assert col["counts"]["missed"] == 1  # the public report D in collector1's grid
    assert posts["shift_leader"]["counts"]["registered"] == 3
    assert posts["dispatcher"]["counts"]["dispatched"] == 2


def test_drill_down_lists_the_cases(client: Any, auth: Any, month: dict[str, Any]) -> None:
    h = auth("leader1")
    q = {"period": PERIOD, "unit": "street", "key": month["street"]}
    r = client.get("/api/v1/evaluation/region/cases", params={**q, "count": "closed"}, headers=h)
    assert r.status_code == 200, r.text
    assert {x["case_id"] for x in r.json()["items"]} == {month["a"]["id"], month["b"]["id"]}
    r = client.get("/api/v1/evaluation/region/cases", params={**q, "count": "should_close", "page_size": 2},
                   headers=h)
    body = r.json()
    assert body["total"] == 3 and len(body["items"]) == 2
    r2 = client.get("/api/v1/evaluation/region/cases", params={**q, "count": "should_close", "page": 2,
                                                                "page_size": 2}, headers=h)
    ids = {x["case_id"] for x in body["items"]} | {x["case_id"] for x in r2.json()["items"]}
    assert ids == {month["a"]["id"], month["b"]["id"], month["d"]["id"]}
    r = client.get("/api/v1/evaluation/region/cases", params={**q, "count": "rework"}, headers=h)
    assert [x["case_id"] for x in r.json()["items"]] == [month["b"]["id"]]


def test_due_basis_and_changed_weights_recompute(client: Any, auth: Any, month: dict[str, Any]) -> None:
    admin = auth("admin")
    w = client.get("/api/v1/evaluation/config", headers=admin).json()["weights"]
    w["department"] = {"rework_rate": 100}
    assert client.put("/api/v1/system/settings/evaluation.weights", json={"value": w}, headers=admin).status_code == 200
    d = client.get("/api/v1/evaluation/department", params={"period": PERIOD}, headers=admin).json()["items"][0]
    assert d["composite"] == 50.0 and d["grade"] == "D"
    assert client.put("/api/v1/system/settings/evaluation.basis", json={"value": "due"},
                      headers=admin).status_code == 200
    r = client.get("/api/v1/evaluation/region", params={"period": PERIOD}, headers=admin).json()
    assert r["basis"] == "due" and _row(r, month["street"])["counts"]["closed"] == 2


def test_empty_period(client: Any, auth: Any) -> None:
    r = client.get("/api/v1/evaluation/region", params={"period": "2031-01", "unit": "district"},
                   headers=auth("leader1"))
    assert r.status_code == 200
    for row in r.json()["items"]:
        assert row["composite"] is None and row["indicators"]["close_rate"]["value"] is None
    for level in ("department", "post"):
        r = client.get(f"/api/v1/evaluation/{level}", params={"period": "2031-Q1"}, headers=auth("leader1"))
        assert r.status_code == 200 and r.json()["items"] == []


@pytest.mark.parametrize(("path", "params", "user", "status", "code"), [
    ("/api/v1/evaluation/region", {"period": "2026-13"}, "leader1", 422, "invalid_period"),
    ("/api/v1/evaluation/region", {"unit": "planet"}, "leader1", 422, "invalid_unit"),
    ("/api/v1/evaluation/post", {"post": "mayor"}, "leader1", 422, "invalid_post"),
    ("/api/v1/evaluation/galaxy", {}, "leader1", 404, "unknown_level"),
    ("/api/v1/evaluation/region", {}, "citizen1", 403, "role_required"),
    ("/api/v1/evaluation/region", {}, "dept1", 403, "role_required"),
    ("/api/v1/evaluation/region/cases", {"key": "1", "count": "closed"}, "leader1", 422, "invalid_key"),
    ("/api/v1/evaluation/department/cases", {"key": "1", "count": "nope"}, "leader1", 422, "unknown_count"),
    ("/api/v1/evaluation/post/cases", {"key": "x", "count": "closed"}, "leader1", 422, "invalid_key"),
])
def test_refusals(client: Any, auth: Any, path: str, params: dict[str, str], user: str, status: int,
                  code: str) -> None:
    r = client.get(path, params=params, headers=auth(user))
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code


def test_needs_login(client: Any) -> None:
    assert client.get("/api/v1/evaluation/region").status_code == 401
