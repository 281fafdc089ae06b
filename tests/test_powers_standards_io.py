"""Discretion standards (裁量基准) as CSV / XLSX: export, import of new versions, per-row error reports,
all-or-nothing."""

from __future__ import annotations

import csv
import io

import pytest

STALL = "DEMO-CF-0001"
URL = "/api/v1/admin/powers/standards"


def _export(client, h, fmt: str) -> list[list[str]]:  # type: ignore[no-untyped-def]
    r = client.get(f"{URL}/export", params={"format": fmt}, headers=h)
    assert r.status_code == 200, r.text
    if fmt == "csv":
        assert r.headers["content-type"].startswith("text/csv")
        return list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(r.content)).active
    return [["" if c is None else str(c) for c in row] for row in ws.iter_rows(values_only=True)]


def _file(table: list[list[str]], fmt: str) -> bytes:
    if fmt == "csv":
        buf = io.StringIO()
        csv.writer(buf).writerows(table)
        return buf.getvalue().encode("utf-8")
    from openpyxl import Workbook

    wb = Workbook()
    for row in table:
        wb.active.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _import(client, h, table, fmt: str):  # type: ignore[no-untyped-def]
    return client.post(f"{URL}/import", headers=h, files={"file": (f"s.{fmt}", _file(table, fmt))})


def _versions(client, auth, code: str) -> list[dict]:  # type: ignore[no-untyped-def]
    r = client.get(f"/api/v1/powers/{code}", params={"all_versions": True}, headers=auth("officer1"))
    assert r.status_code == 200, r.text
    return list(r.json()["standards"])


def _all_versions_count(client, h) -> int:  # type: ignore[no-untyped-def]
    r = client.get("/api/v1/admin/powers/export", params={"format": "json"}, headers=h)
    return sum(len(p["standards"]) for p in r.json()["powers"])


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_a_new_version(client, auth, fmt):
    h = auth("admin")
    table = _export(client, h, fmt)
    header = table[0]
    assert header[:3] == ["事项编码", "适用对象", "基准名称"] and "阶次" in header and "罚款上限" in header
    col = {name: i for i, name in enumerate(header)}
    stall = [r for r in table[1:] if r[col["事项编码"]] == STALL]
    assert stall, "the demo standard of the stall power is exported"
    assert {r[col["阶次"]] for r in stall} >= {"轻微", "一般", "严重"} or len(stall) >= 2
    # re-importing the export creates nothing (every version is there already)
    r = _import(client, h, table, fmt)
    assert r.status_code == 200, r.text
    assert r.json()["created"] == [] and r.json()["skipped"]
    before = _versions(client, auth, STALL)
    # a new version of one standard: the rows of its newest version with a later date and a new title
    actor = stall[-1][col["适用对象"]]
    newest = max(r[col["版本"]] for r in stall if r[col["适用对象"]] == actor)
    rows = [list(r) for r in stall if r[col["适用对象"]] == actor and r[col["版本"]] == newest]
    for row in rows:
        row[col["施行日期"]] = "2031-01-01"
        row[col["废止日期"]] = ""
        row[col["基准名称"]] = "2031年修订版"
    r = _import(client, h, [header, *rows], fmt)
    assert r.status_code == 200, r.text
    created = r.json()["created"]
    assert len(created) == 1 and created[0]["code"] == STALL
    after = _versions(client, auth, STALL)
    assert len(after) == len(before) + 1
    new = next(s for s in after if s["title"] == "2031年修订版")
    assert new["effective_from"] == "2031-01-01" and len(new["tiers"]) == len(rows)
    assert [t["name"] for t in new["tiers"]] == [row[col["阶次"]] for row in rows]
    # the export now carries it
    again = _export(client, h, fmt)
    assert any(x[col["基准名称"]] == "2031年修订版" for x in again)


def _header(client, h) -> list[str]:  # type: ignore[no-untyped-def]
    return _export(client, h, "csv")[0]


def _row(header: list[str], **values: str) -> list[str]:
    labels = {"code": "事项编码", "actor": "适用对象", "title": "基准名称", "smin": "法定最低罚款", "smax": "法定最高罚款",
              "start": "施行日期", "tier": "阶次", "fmin": "罚款下限", "fmax": "罚款上限", "default": "默认阶次",
              "first": "首违不罚", "agg": "从重情节"}
    row = dict.fromkeys(header, "")
    row.update({"事项编码": STALL, "适用对象": "公民", "基准名称": "测试基准", "法定最低罚款": "50", "法定最高罚款": "500",
                "施行日期": "2032-01-01", "首违不罚": "否"})
    for k, v in values.items():
        row[labels[k]] = v
    return [row[c] for c in header]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_every_bad_row_is_reported_and_nothing_is_imported(client, auth, fmt):
    h = auth("admin")
    header = _header(client, h)
    before = _all_versions_count(client, h)
    table = [
        header,
        _row(header, tier="轻微", fmin="50", fmax="100"),  # row 2: fine (a good standard, rows 2–3)
        _row(header, tier="一般", fmin="100", fmax="500", default="是"),  # row 3: fine
        _row(header, code="DEMO-CF-0002", start="2032-01-01", tier="一般", fmin="abc"),  # row 4: not a number
        _row(header, actor="外星人", tier="一般"),  # row 5: unknown actor type
        _row(header, code="DEMO-CF-0003", tier=""),  # row 6: no tier
        _row(header, code="DEMO-CF-0004", tier="一般", first="也许"),  # row 7: not 是/否
        _row(header, code="NO-SUCH-POWER", tier="一般"),  # row 8: unknown power (the service refuses)
        _row(header, code="DEMO-CF-0002", start="2033-05-01", tier="一般", fmin="10", fmax="9000"),  # row 9: out of range
        _row(header, code="DEMO-CF-0005", start="2032-13-01", tier="一般"),  # row 10: bad date
        _row(header, code="DEMO-CF-0006", start="2032-02-01", tier="一般"),  # row 11: first of a standard …
        _row(header, code="DEMO-CF-0006", start="2032-02-01", tier="严重", smax="999"),  # row 12: … disagrees
        _row(header, code="DEMO-CF-0007", tier="一般", agg="：没有代码"),  # row 13: bad aggravating line
    ]
    r = _import(client, h, table, fmt)
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["code"] == "import_failed" and "未导入任何数据" in err["message"]
    by_row = {d["row"]: d["message"] for d in err["details"]}
    assert sorted(by_row) == [4, 5, 6, 7, 8, 9, 10, 12, 13], by_row
    assert "罚款下限应为数字" in by_row[4]
    assert "适用对象" in by_row[5]
    assert "阶次不能为空" in by_row[6]
    assert "首违不罚" in by_row[7]
    assert "NO-SUCH-POWER" in by_row[8]
    assert "法定幅度" in by_row[9]
    assert "施行日期应为日期" in by_row[10]
    assert "第 11 行不一致" in by_row[12]
    assert "从重情节" in by_row[13]
    for message in by_row.values():
        assert any("\u4e00" <= ch <= "\u9fff" for ch in message)
    assert _all_versions_count(client, h) == before  # the good rows 2–3 were not imported either
    # the same good rows alone are imported
    r = _import(client, h, table[:3], fmt)
    assert r.status_code == 200, r.text
    assert r.json()["created"][0]["code"] == STALL
    assert _all_versions_count(client, h) == before + 1


def test_refused_files(client, auth):
    h = auth("admin")
    r = client.post(f"{URL}/import", headers=h, files={"file": ("s.csv", "名称,数量\n甲,1\n".encode())})
    assert r.status_code == 422 and r.json()["error"]["code"] == "bad_header"
    assert "事项编码" in r.json()["error"]["message"]
    r = client.post(f"{URL}/import", headers=h, files={"file": ("s.txt", b"x")})
    assert r.status_code == 422 and r.json()["error"]["code"] == "bad_format"
    r = client.post(f"{URL}/import", headers=h, files={"file": ("s.xlsx", b"not a workbook")})
    assert r.status_code == 422 and r.json()["error"]["code"] == "bad_file"
    r = client.post(f"{URL}/import", headers=h, files={"file": ("s.csv", b"")})
    assert r.status_code == 422 and r.json()["error"]["code"] == "empty_file"
    r = client.post(f"{URL}/import", headers=h, files={"file": ("s.csv", "事项编码".encode("gbk") + b"\xff")})
    assert r.status_code == 422 and r.json()["error"]["code"] == "bad_encoding"
    r = client.post(f"{URL}/import", headers=auth("officer1"), files={"file": ("s.csv", b"a")})
    assert r.status_code == 403
    assert client.get(f"{URL}/export", headers=auth("officer1")).status_code == 403


def test_nothing_is_written_even_without_the_request_rollback(client, auth, db_session):
    """The service itself undoes the good versions of a file with errors (not only the request's rollback)."""
    from sqlalchemy import func, select

    from chengguan.core.errors import Invalid
    from chengguan.powers import standards_io
    from chengguan.powers.models import DiscretionStandard

    header = _header(client, auth("admin"))
    table = [header, _row(header, tier="一般", fmin="50", fmax="500"), _row(header, code="NO-SUCH-POWER", tier="一般")]
    before = db_session.scalar(select(func.count()).select_from(DiscretionStandard))
    with pytest.raises(Invalid) as exc:
        standards_io.import_standards(db_session, _file(table, "csv"), "csv")
    assert [d["row"] for d in exc.value.details] == [3]
    assert db_session.scalar(select(func.count()).select_from(DiscretionStandard)) == before
    out = standards_io.import_standards(db_session, _file(table[:2], "csv"), "csv")
    assert len(out["created"]) == 1
    assert db_session.scalar(select(func.count()).select_from(DiscretionStandard)) == before + 1
