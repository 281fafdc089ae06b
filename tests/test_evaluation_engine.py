"""The evaluation engine on a generated event history (``demo bulk``) plus the demo city's own history (written
through the workflow): the fast path (event facts recorded at write time, hash-joined undo events, numpy
scoring) equals the original derivation (correlated look-ups in the log, a dict per grid) at every level and
on both counting bases; the migration's backfill equals what the writers record; the 7:2:1 outcome mix counted
end to end."""

from __future__ import annotations

import copy
import importlib.util
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text, update

from chengguan.cases.models import Case, CaseEvent
from chengguan.demo import bulk
from chengguan.evaluation import formulas as fx
from chengguan.evaluation import service as ev
from chengguan.org.models import Department
from chengguan.system import settings as cfg

END = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
MIGRATION = Path(ev.__file__).parents[1] / "migrations" / "versions" / "20261121_0860_event_evaluation_facts.py"


@pytest.fixture
def history(db_session: Any) -> Any:
    res = bulk.generate(db_session, cases=1500, days=75, seed=5, end=END, chunk=500)
    assert res.cases == 1500
    return db_session


def _keyed(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    out = {r["key"]: r for r in rows}
    assert len(out) == len(rows)
    return out


def _same(fast: dict[str, Any], ref: dict[str, Any]) -> None:
    assert fast["basis"] == ref["basis"]
    for unit, rows in ref["region"].items():
        f, r = _keyed(fast["region"][unit]), _keyed(rows)
        assert f.keys() == r.keys(), unit
        for k in r:
            assert f[k] == r[k], (unit, k)
    assert _keyed(fast["department"]) == _keyed(ref["department"])
    assert _keyed(fast["post"]) == _keyed(ref["post"])


@pytest.mark.parametrize("basis", ["report", "due"])
def test_fast_path_equals_the_reference(history: Any, basis: str) -> None:
    s = history
    cfg.set_value(s, ev.BASIS.key, basis)
    seen = 0
    for period in ("2026-10", "2026-11", "2026-Q4", "2026-09-10..2026-11-20"):
        fast = ev.evaluate_all(s, None, period)
        ref = ev.evaluate_all(s, None, period, reference=True)
        _same(fast, ref)
        seen += sum(r["counts"]["registered"] for r in fast["region"]["district"])
        assert len(fast["region"]["grid"]) > 50 and fast["department"] and fast["post"]
    assert seen > 1000  # the comparison is over real volumes
    # one level at a time (the console) as well
    for unit in ("grid", "street"):
        assert (_keyed(ev.evaluate(s, None, "region", "2026-10", unit=unit)["items"])
                == _keyed(ev.evaluate(s, None, "region", "2026-10", unit=unit, reference=True)["items"]))
    assert (_keyed(ev.evaluate(s, None, "post", "2026-10", post="collector")["items"])
            == _keyed(ev.evaluate(s, None, "post", "2026-10", post="collector", reference=True)["items"]))


def test_fast_path_equals_the_reference_with_other_settings(history: Any) -> None:
    """Weights with every indicator, a rewritten denominator, other tables: the vectorised scoring follows."""
    s = history
    w = copy.deepcopy(cfg.value(s, ev.WEIGHTS.key))  # the value may be the registry's default object
    w["region_1"] = {**w["region_1"], "discovery_rate": 5, "outcome_ratio": 15, "rework_rate": 5, "extension_rate": 0}
    w["region_2"] = {**w["region_2"], "dispose_on_time_rate": 25, "register_volume": 0}
    cfg.set_value(s, ev.WEIGHTS.key, w)
    cfg.set_value(s, ev.DENOMINATORS.key, {"rework_rate": "disposed", "close_rate": "registered"})
    t = copy.deepcopy(cfg.value(s, ev.SCORE_TABLES.key))
    t["region_1"] = [[0, 0, 100], [0.5, 1, 95], [1, 2, 80], [2, None, 10]]
    cfg.set_value(s, ev.SCORE_TABLES.key, t)
    cfg.set_value(s, ev.GRADES.key, [["优", 85], ["良", 70], ["差", 0]])
    _same(ev.evaluate_all(s, None, "2026-10"), ev.evaluate_all(s, None, "2026-10", reference=True))


def test_backfill_equals_what_the_writers_record(history: Any) -> None:
    """The migration's backfill, run on the log, gives the facts workflow.transition (the demo history) and
    the bulk generator recorded."""
    s = history
    cols = (CaseEvent.id, CaseEvent.case_department_id, CaseEvent.feedback_met)
    written = {r.id: (r.case_department_id, r.feedback_met) for r in s.execute(select(*cols))}
    assert sum(1 for d, _ in written.values() if d is not None) > 500
    assert {m for _, m in written.values()} == {None, True, False}
    s.execute(update(CaseEvent).values(case_department_id=None, feedback_met=None))
    spec = importlib.util.spec_from_file_location("m0860", MIGRATION)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    for stmt in mod.BACKFILL:
        s.execute(text(stmt))
    s.expire_all()
    assert {r.id: (r.case_department_id, r.feedback_met) for r in s.execute(select(*cols))} == written


def test_outcome_mix_end_to_end(history: Any) -> None:
    """7:2:1 from the raw log, counted here by hand: a 结案/自行处置 of a case reported in the month is
    执法 when the department that handled it (its own or the latest earlier one) is an enforcement department,
    服务 when self-disposed or a component case, else 管理; the district row and the indicator agree."""
    s = history
    period = "2026-10"
    per = fx.parse_period(period)
    enf = set(s.scalars(select(Department.id).where(Department.kind == "enforcement")))
    cases = {c.id: c for c in s.scalars(select(Case).where(Case.reported_at >= per.since,
                                                           Case.reported_at < per.until))}
    events: dict[int, list[CaseEvent]] = defaultdict(list)
    for e in s.scalars(select(CaseEvent).where(CaseEvent.case_id.in_(list(cases))).order_by(CaseEvent.seq)):
        events[e.case_id].append(e)
    mix = {"service": 0, "management": 0, "enforcement": 0}
    for cid, evs in events.items():
        dept = None
        for e in evs:
            if e.action in ("close", "self-dispose"):
                d = e.department_id if e.department_id is not None else dept
                mix["service" if e.action == "self-dispose" else "enforcement" if d in enf
                    else "service" if cases[cid].kind == "component" else "management"] += 1
            if e.department_id is not None:
                dept = e.department_id
    assert all(mix.values()), mix  # the history closes cases of all three kinds
    res = ev.evaluate(s, None, "region", period, unit="district")
    counts = {k: sum(r["counts"][f"outcome_{k}"] for r in res["items"]) for k in mix}
    assert counts == mix
    (row,) = [r for r in res["items"] if r["counts"]["closed"]]
    ind = row["indicators"]["outcome_ratio"]
    total = sum(mix.values())
    target = {"service": 7, "management": 2, "enforcement": 1}
    tvd = sum(abs(mix[k] / total - target[k] / 10) for k in mix) / 2
    assert ind["score"] == pytest.approx(100 * (1 - tvd), abs=0.01)
    assert ind["shares"] == pytest.approx({k: v / total for k, v in mix.items()})
    assert ind["text"] == ":".join(f"{mix[k] / total * 10:.1f}" for k in ("service", "management", "enforcement"))


def test_fast_path_transport_and_odd_values(history: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL sends the facts as packed fixed-width columns (numpy reads them in place); a grid code of
    another length breaks the fixed layout and the plain-rows fetch takes over; a role outside the vocabulary
    is coded 'other'. Each way the counts equal the reference."""
    from casehelpers import is_pg
    from chengguan.evaluation import columnar

    s = history
    seen: list[bool] = []
    real = columnar._pg_decode

    def spy(*a: Any, **k: Any) -> Any:
        out = real(*a, **k)
        seen.append(out is not None)
        return out

    monkeypatch.setattr(columnar, "_pg_decode", spy)
    _same(ev.evaluate_all(s, None, "2026-10"), ev.evaluate_all(s, None, "2026-10", reference=True))
    assert seen == ([True] if is_pg(s) else [])
    first = s.scalars(select(Case).where(Case.reported_at >= datetime(2026, 10, 5, tzinfo=UTC),
                                         Case.reported_at < datetime(2026, 10, 25, tzinfo=UTC))
                      .order_by(Case.id).limit(3)).all()
    first[0].grid_code = first[0].grid_code[:12]  # a code of another length (the layer would refuse it)
    s.execute(update(CaseEvent).where(CaseEvent.case_id == first[1].id).values(actor_role="robot"))
    s.flush()
    seen.clear()
    fast = ev.evaluate_all(s, None, "2026-10")
    _same(fast, ev.evaluate_all(s, None, "2026-10", reference=True))
    assert seen == ([False] if is_pg(s) else [])
    assert first[0].grid_code in {r["key"] for r in fast["region"]["grid"]}


def test_columnar_codes_and_groups() -> None:
    """The codes round-trip (0 = NULL, the vocabulary, then 'other'), and group sums per (key, combination)."""
    import numpy as np
    from sqlalchemy import Boolean, String

    from chengguan.evaluation import columnar

    a = columnar.Attr("x", String, ("p", "q"))
    assert [a.decode(i) for i in range(a.base)] == [None, "p", "q", columnar.OTHER]
    b = columnar.Attr("y", Boolean)
    assert [b.decode(i) for i in range(b.base)] == [None, False, True]
    keys = np.array([7, 3, 7, 7, 3, 9], dtype=np.int64)
    combo = np.array([0, 1, 1, 0, 0, 2])
    truth = np.array([[1, 0], [1, 1], [0, 1]], dtype=np.int64)
    values, kinv = columnar.dense(keys)
    assert values.tolist() == [3, 7, 9] and kinv.tolist() == [1, 0, 1, 1, 0, 2]
    assert columnar.group(kinv, 3, combo, truth).tolist() == [[2, 1], [3, 1], [0, 1]]
    assert columnar.group(np.zeros(0, np.int64), 0, np.zeros(0, np.intp), truth).shape == (0, 2)
    big = np.array([10**12, -1, 10**12], dtype=np.int64)  # a range too wide for a lookup table: sorted instead
    assert columnar.dense(big)[0].tolist() == [-1, 10**12] and columnar.dense(big)[1].tolist() == [1, 0, 1]
    grid = np.array([b"320614001001002", b"320614001001001", b"320614001001002", b"9"], dtype="S15")
    codes, ginv = columnar.dense_codes(grid)
    assert (codes[ginv] == grid).all() and len(codes) == 3


def test_parallel_halves_in_one_snapshot(engine: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """PostgreSQL, a transaction that has written nothing (a GET): the two halves of the facts are computed at once
    on two helper connections in the session's snapshot, and the result equals the reference. The committed demo
    history of the test database is the data; REPEATABLE READ keeps both derivations on one snapshot while other
    tests write (and roll back) beside it."""
    from sqlalchemy.orm import Session

    from casehelpers import is_pg
    from chengguan.core import clock
    from chengguan.evaluation import columnar

    if not is_pg(engine):
        pytest.skip("parallel halves are a PostgreSQL feature; SQLite reads in one statement")
    used: list[int] = []
    real = columnar._pg_parallel

    def spy(*a: Any, **k: Any) -> Any:
        out = real(*a, **k)
        used.append(len(out) if out is not None else 0)
        return out

    monkeypatch.setattr(columnar, "_pg_parallel", spy)
    with engine.connect() as conn:
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
        s = Session(bind=conn)
        last = s.scalar(select(func.max(Case.reported_at)))
        assert last is not None
        period = clock.local(last).strftime("%Y-%m")
        fast = ev.evaluate_all(s, None, period)
        assert used == [2]
        assert sum(r["counts"]["reports"] for r in fast["region"]["district"]) > 0
        _same(fast, ev.evaluate_all(s, None, period, reference=True))
        s.execute(update(Case).where(Case.id == -1).values(grid_code="x"))  # a write (of nothing) …
        s.execute(text("SELECT txid_current()"))  # … and an assigned transaction id: serial from now on
        used.clear()
        _same(ev.evaluate_all(s, None, period), ev.evaluate_all(s, None, period, reference=True))
        assert used == [0]
        s.rollback()
