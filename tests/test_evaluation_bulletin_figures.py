"""The monthly bulletin's key figures on a generated history: the volumes equal counts of the event log, the
street and department rankings (XLSX and HTML) equal the evaluation engine's rows (its original derivation)."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from html import unescape
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import func, select

from chengguan.bulletin import service
from chengguan.cases.models import CaseEvent
from chengguan.demo import bulk
from chengguan.evaluation import formulas as fx
from chengguan.evaluation import service as ev

PERIOD = "2026-10"


def test_bulletin_figures_equal_the_log_and_the_evaluation(db_session: Any) -> None:
    s = db_session
    bulk.generate(s, cases=1200, days=75, seed=9, end=datetime(2026, 11, 20, 8, 0, tzinfo=UTC), chunk=400)
    per = fx.parse_period(PERIOD)

    def n(*actions: str) -> int:
        return int(s.scalar(select(func.count()).select_from(CaseEvent).where(
            CaseEvent.action.in_(actions), CaseEvent.at >= per.since, CaseEvent.at < per.until)) or 0)

    log = {"上报数": n("report"), "立案数": n("register"), "派遣数": n("dispatch"), "处置数": n("feedback"),
           "结案数": n("close", "self-dispose")}
    assert log["立案数"] > 300

    streets = {r["name"]: r for r in ev.evaluate(s, None, "region", PERIOD, unit="street", reference=True)["items"]}
    depts = {r["name"]: r for r in ev.evaluate(s, None, "department", PERIOD, reference=True)["items"]}
    (district,) = ev.evaluate(s, None, "region", PERIOD, unit="district", reference=True)["items"]
    assert any(r["composite"] is not None for r in streets.values()) and depts

    body, _, _ = service.render(s, None, PERIOD, "xlsx")
    wb = load_workbook(io.BytesIO(body))
    overview = {r[0]: r[1] for r in wb["概况"].iter_rows(min_row=3, values_only=True)}
    assert {k: overview[k] for k in log} == log
    rows = list(wb["街道排名"].iter_rows(min_row=2, values_only=True))
    assert {r[1] for r in rows} == set(streets)
    for rank, name, comp, grade, registered, close_rate, *_ in rows:
        e = streets[name]
        assert (rank, comp, grade, registered) == (e["rank"], e["composite"], e["grade"], e["counts"]["registered"])
        v = e["indicators"]["close_rate"]["value"]
        assert close_rate == (None if v is None else round(v, 4))
    rows = list(wb["部门排名"].iter_rows(min_row=2, values_only=True))
    assert {r[1] for r in rows} == set(depts)
    for rank, name, comp, grade, dispatched, *_ in rows:
        e = depts[name]
        assert (rank, comp, grade, dispatched) == (e["rank"], e["composite"], e["grade"], e["counts"]["dispatched"])

    html = unescape(service.render(s, None, PERIOD, "html")[0].decode())
    num = service._env.filters["num"]
    assert f"全区综合指标值 {num(district['composite'])}，评价等级 {district['grade'] or '—'}" in html
    assert re.search(rf"立案<b>{re.escape(num(log['立案数']))}</b>", html)
    for name, e in streets.items():  # each street's row: its name … its composite
        assert re.search(rf"<td>{re.escape(name)}</td>(?:(?!</tr>).)*<td class=\"n\">"
                         rf"{re.escape(num(e['composite']))}</td>", html, re.S), name


def test_bulletin_report_mix_and_timeliness_equal_the_log(db_session: Any) -> None:
    """Categories, channels and hot grids (one grouped statement) and the on-time/late 处置 split, counted here
    from the month's report and feedback events."""
    from collections import Counter

    from chengguan.cases.models import Case

    s = db_session
    bulk.generate(s, cases=900, days=60, seed=4, end=datetime(2026, 11, 20, 8, 0, tzinfo=UTC), chunk=300)
    per = fx.parse_period(PERIOD)
    in_month = (CaseEvent.at >= per.since, CaseEvent.at < per.until)
    reports = s.execute(select(Case.kind, Case.category_code, Case.channel, Case.grid_code)
                        .join(CaseEvent, CaseEvent.case_id == Case.id)
                        .where(CaseEvent.action == "report", *in_month)).all()
    assert len(reports) > 300
    cats = Counter((k, c) for k, c, _, _ in reports)
    chans = Counter(ch for _, _, ch, _ in reports)
    grids = Counter(g for *_, g in reports)
    data = service.gather(s, PERIOD)
    got = data["categories"]
    assert [c["count"] for c in got] == sorted(cats.values(), reverse=True)[:10]
    assert all(cats[(c["kind"], c["code"])] == c["count"] for c in got)
    assert {c["channel"]: c["count"] for c in data["channels"]} == dict(chans)
    hot = data["_hot_geoms"]
    assert len(hot) == min(300, len(grids)) and all(grids[h["code"]] == h["count"] for h in hot)
    assert [h["count"] for h in hot] == sorted(grids.values(), reverse=True)[:len(hot)]
    met = Counter(m for (m,) in s.execute(select(CaseEvent.met_deadline).where(CaseEvent.action == "feedback",
                                                                                  *in_month)))
    vol = data["volumes"]
    assert (vol["disposed_on_time"], vol["disposed_late"], vol["disposed"]) == (met[True], met[False], sum(met.values()))
    assert met[True] and met[False]
