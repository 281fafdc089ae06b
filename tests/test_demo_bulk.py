"""The bulk history generator writes what the state machine allows (so benchmarks measure real shapes)."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

from sqlalchemy import func, select

from chengguan.cases import workflow
from chengguan.cases.models import Case, CaseAssignment, CaseEvent, CaseTask
from chengguan.demo import bulk


def test_bulk_history_follows_the_state_machine(db_session):
    s = db_session
    end = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    res = bulk.generate(s, cases=400, days=60, seed=3, end=end, chunk=150)
    assert res.cases == 400 and res.events > 400 * 3
    cases = {c.id: c for c in s.scalars(select(Case).where(Case.case_no.like("B%")))}
    assert len(cases) == 400
    assert {"closed", "dispatched", "rejected"} <= {c.status for c in cases.values()}
    events = defaultdict(list)
    for e in s.scalars(select(CaseEvent).where(CaseEvent.case_id.in_(cases)).order_by(CaseEvent.case_id,
                                                                                     CaseEvent.seq)):
        events[e.case_id].append(e)
    for cid, c in cases.items():
        evs = events[cid]
        assert [e.seq for e in evs] == list(range(1, len(evs) + 1)) == list(range(1, c.last_seq + 1))
        assert evs[0].action == "report" and evs[0].from_status is None
        status = evs[0].to_status
        for a, b in zip(evs, evs[1:], strict=False):
            assert a.at <= b.at, (c.case_no, a.action, b.action)
            assert b.from_status == status and b.to_status in workflow.ALLOWED[status], (b.action, status)
            status = b.to_status
        assert status == c.status and evs[-1].at <= end
        if c.status == "closed" and not c.self_disposed:
            assert any(e.action == "check" and e.to_status == "checked" for e in evs)
        if c.status in workflow.STEP_OF:
            assert c.step == workflow.STEP_OF[c.status] and c.step_due_at is not None
        for e in evs:
            if e.step is not None:
                assert e.step_due_at is not None and e.met_deadline == (e.at <= e.step_due_at)
    late = s.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id.in_(cases),
                                                                       CaseEvent.met_deadline.is_(False)))
    on_time = s.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.case_id.in_(cases),
                                                                          CaseEvent.met_deadline.is_(True)))
    assert late and on_time and late < on_time  # some steps late, most on time
    # dispatched cases have an active assignment; open 核查 steps an open task
    active = set(s.scalars(select(CaseAssignment.case_id).where(CaseAssignment.case_id.in_(cases),
                                                               CaseAssignment.state == "active")))
    assert {cid for cid, c in cases.items() if c.status == "dispatched"} <= active
    open_checks = set(s.scalars(select(CaseTask.case_id).where(CaseTask.case_id.in_(cases), CaseTask.kind == "check",
                                                             CaseTask.done_at.is_(None))))
    assert {cid for cid, c in cases.items() if c.status == "fed_back"} <= open_checks


def test_bulk_is_deterministic_for_a_seed(db_session):
    end = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    a = bulk.generate(db_session, cases=60, days=30, seed=11, end=end)
    rows_a = db_session.execute(select(Case.status, Case.category_code, Case.grid_code).where(
        Case.case_no.like("B%")).order_by(Case.id)).all()
    db_session.rollback()
    b = bulk.generate(db_session, cases=60, days=30, seed=11, end=end)
    rows_b = db_session.execute(select(Case.status, Case.category_code, Case.grid_code).where(
        Case.case_no.like("B%")).order_by(Case.id)).all()
    assert a.by_status == b.by_status and rows_a == rows_b
