"""The monthly bulletin: three formats through the contract endpoint, history, scheduled issue."""

from __future__ import annotations

import io
import shutil
from datetime import UTC, datetime
from typing import Any

from chengguan.bulletin import service
from chengguan.core import clock


def test_bulletin_formats(client: Any, auth: Any, tmp_path: Any) -> None:
    h = auth("leader1")
    period = clock.local(clock.now()).strftime("%Y-%m")
    r = client.get("/api/v1/reports/bulletin", params={"period": period, "format": "html"}, headers=h)
    assert r.status_code == 200, r.text
    assert "工作通报" in r.text and "<svg" in r.text and "街道（镇）综合评价排名" in r.text
    r = client.get("/api/v1/reports/bulletin", params={"period": period, "format": "pdf"}, headers=h)
    assert r.status_code == 200 and r.content.startswith(b"%PDF") and r.headers["content-type"] == "application/pdf"
    if shutil.which("pdffonts") and shutil.which("pdftotext"):  # poppler-utils (CI has them)
        from test_pdf import fonts, text, write

        path = write(tmp_path, r.content)
        assert all(f.embedded for f in fonts(path))  # the CJK font is embedded: same rendering on any machine
        assert "工作通报" in text(path) and "高发网格" in text(path)
    r = client.get("/api/v1/reports/bulletin", params={"period": period, "format": "xlsx"}, headers=h)
    assert r.status_code == 200
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(r.content))
    assert {"概况", "街道排名", "部门排名", "超期处置", "返工案件", "考评结果"} <= set(wb.sheetnames)


def test_empty_month_renders(client: Any, auth: Any) -> None:
    r = client.get("/api/v1/reports/bulletin", params={"period": "2031-02", "format": "html"},
                   headers=auth("leader1"))
    assert r.status_code == 200 and "暂无数据" in r.text and "—" in r.text


def test_refusals(client: Any, auth: Any) -> None:
    h = auth("leader1")
    for params, status in (({"period": "2026-Q1"}, 422), ({"period": "2026-11", "format": "doc"}, 422),
                           ({"period": "nonsense"}, 422)):
        assert client.get("/api/v1/reports/bulletin", params=params, headers=h).status_code == status
    assert client.get("/api/v1/reports/bulletin", headers=auth("citizen1")).status_code == 403
    assert client.get("/api/v1/reports/bulletin").status_code == 401
    assert client.post("/api/v1/reports/bulletins", json={}, headers=auth("shiftlead1")).status_code == 403
    assert client.get("/api/v1/reports/bulletins/999999/pdf", headers=h).status_code == 404


def test_issue_history_and_schedule(client: Any, auth: Any, db_session: Any) -> None:
    h = auth("leader1")
    r = client.post("/api/v1/reports/bulletins", json={"period": "2031-01"}, headers=h)
    assert r.status_code == 201, r.text
    b = r.json()
    assert b["version"] == 1 and b["trigger"] == "manual"
    assert client.post("/api/v1/reports/bulletins", json={"period": "2031-01"}, headers=h).json()["version"] == 2
    hist = client.get("/api/v1/reports/bulletins", headers=h).json()
    assert [x["version"] for x in hist if x["period"] == "2031-01"] == [2, 1]
    f = client.get(b["files"]["pdf"], headers=h)
    assert f.status_code == 200 and f.content.startswith(b"%PDF")
    # schedule: 2031-02-01 is a Saturday → the first working day is Monday 02-03 (if the calendar has no data for
    # 2031 it falls back to weekdays); before 09:00 nothing, after it January is due, once.
    fwd = service.first_working_day(db_session, 2031, 2)
    assert fwd.weekday() < 5 and fwd.day <= 7
    before = datetime(fwd.year, fwd.month, fwd.day, 0, 30, tzinfo=UTC)  # 08:30 Shanghai
    after = datetime(fwd.year, fwd.month, fwd.day, 1, 30, tzinfo=UTC)  # 09:30
    assert service.due_issue(db_session, before) is None
    assert service.due_issue(db_session, after) == "2031-01"
    from chengguan.bulletin import jobs

    with clock.frozen(after):
        assert jobs.monthly_bulletin(db_session) == "2031-01"
        assert jobs.monthly_bulletin(db_session) is None
