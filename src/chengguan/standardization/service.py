"""规范化建设: checklist templates imported from a file, team self-assessment with evidence, city review,
score and 达标, and each district's progress against its target.

File format (CSV, UTF-8 with or without BOM, or XLSX first sheet, or JSON list of objects) — one row per
小项 with the columns ``方面, 子项, 编号, 小项, 分值, 佐证材料, 需佐证`` (English aliases: aspect, sub_item,
code, text, points, evidence, evidence_required). The shipped Jiangsu file
(``data/jiangsu_sample.csv``) has the official 6 aspects with SAMPLE items: the 《江苏省城市管理执法规范化
建设标准（试行）》 text (68 子项 / 175 小项) must be imported to replace it.

Score = Σ reviewed points (self points until reviewed); 达标 = score ≥ ``pass_score`` % of the full score.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from importlib.resources import files
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengguan.accounts.principal import Principal
from chengguan.accounts.roles import Role
from chengguan.cases.service import resolve_file_tokens
from chengguan.core import clock
from chengguan.core.errors import Conflict, Forbidden, Invalid, NotFound
from chengguan.org.models import Department
from chengguan.standardization.models import StdAnswer, StdAssessment, StdItem, StdTarget, StdTemplate
from chengguan.system import settings as cfg

ASPECTS = ("执法部门", "执法机构", "执法行为", "执法服务", "执法保障", "执法评价")
REVIEW_ROLES = (Role.ASSESSOR, Role.ADMIN)
VIEW_ROLES = (Role.ASSESSOR, Role.ADMIN, Role.LEADER)
TEAM_TYPES = cfg.define("standardization.team_type_keys", ["enforcement_squad"],
                        "参加规范化建设自评的执法队伍（部门类型 type_key）。", "规范化建设")
PASS_SCORE = cfg.define("standardization.pass_percent", 90.0,
                        "达标线：复核得分占满分的百分比（导入模板时可单独指定）。", "规范化建设")

COLUMNS = {"方面": "aspect", "子项": "sub_item", "编号": "code", "小项": "text", "分值": "points",
           "佐证材料": "evidence", "需佐证": "evidence_required"}


def _need(p: Principal | None, roles: tuple[str, ...], what: str) -> None:
    if p is not None and not p.has(*roles):
        raise Forbidden(f"{what}需要考评员或管理员角色", code="role_required")


# ----------------------------------------------------------------------------------------- templates


def _read_rows(data: bytes, filename: str) -> list[dict[str, Any]]:
    name = filename.lower()
    if name.endswith(".json"):
        try:
            raw = json.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise Invalid(f"JSON 无法解析：{exc}", code="bad_file") from exc
        if not isinstance(raw, list):
            raise Invalid("JSON 应为对象列表", code="bad_file")
        rows = [dict(r) for r in raw if isinstance(r, dict)]
    elif name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            ws = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
        except Exception as exc:  # any unreadable workbook is the caller's input error
            raise Invalid("Excel 文件无法读取", code="bad_file") from exc
        it = ws.iter_rows(values_only=True)
        head = [str(h or "").strip() for h in next(it, [])]
        rows = [dict(zip(head, r, strict=False)) for r in it if any(v not in (None, "") for v in r)]
    elif name.endswith(".csv"):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise Invalid("CSV 应为 UTF-8 编码", code="bad_file") from exc
        rows = list(csv.DictReader(io.StringIO(text)))
    else:
        raise Invalid("支持的文件格式：.csv、.xlsx、.json", code="bad_file")
    return rows


def parse_rows(data: bytes, filename: str) -> list[dict[str, Any]]:
    """The checklist rows of an uploaded file, validated (row numbers in the errors count the header as 1)."""
    rows = _read_rows(data, filename)
    out: list[dict[str, Any]] = []
    for i, r in enumerate(rows, 2):
        norm = {COLUMNS.get(str(k).strip(), str(k).strip()): v for k, v in r.items() if k is not None}
        for col in ("aspect", "sub_item", "text", "points"):
            if norm.get(col) in (None, ""):
                raise Invalid(f"第 {i} 行缺少“{[k for k, v in COLUMNS.items() if v == col][0]}”", code="bad_row",
                              details={"row": i})
        if str(norm["aspect"]).strip() not in ASPECTS:
            raise Invalid(f"第 {i} 行的方面“{norm['aspect']}”不是 {'/'.join(ASPECTS)} 之一", code="bad_row",
                          details={"row": i})
        try:
            pts = float(norm["points"])
        except (TypeError, ValueError) as exc:
            raise Invalid(f"第 {i} 行的分值不是数字", code="bad_row", details={"row": i}) from exc
        if pts <= 0:
            raise Invalid(f"第 {i} 行的分值应为正数", code="bad_row", details={"row": i})
        req = str(norm.get("evidence_required", "是")).strip().lower() not in ("否", "no", "false", "0", "n")
        out.append({"aspect": str(norm["aspect"]).strip(), "sub_item": str(norm["sub_item"]).strip(),
                    "code": str(norm.get("code") or f"{len(out) + 1}").strip(), "text": str(norm["text"]).strip(),
                    "points": pts, "evidence": norm.get("evidence") or None, "evidence_required": req})
    if not out:
        raise Invalid("文件中没有检查项目", code="empty_file")
    codes = [r["code"] for r in out]
    if len(set(codes)) != len(codes):
        raise Invalid("检查项目编号重复", code="duplicate_code")
    return out


def import_template(session: Session, p: Principal | None, name: str, data: bytes, filename: str, *,
                    is_sample: bool = False, pass_score: float | None = None) -> StdTemplate:
    _need(p, REVIEW_ROLES, "导入规范化建设标准")
    rows = parse_rows(data, filename)
    pass_pct = float(pass_score if pass_score is not None else cfg.value(session, PASS_SCORE.key))
    if not 0 < pass_pct <= 100:
        raise Invalid("达标线应为 0–100 之间的百分比", code="bad_pass_score")
    t = StdTemplate(name=name, source=filename, is_sample=is_sample, pass_score=pass_pct,
                    full_score=sum(r["points"] for r in rows))
    session.add(t)
    session.flush()
    for i, r in enumerate(rows):
        session.add(StdItem(template_id=t.id, sort=i, **r))
    session.flush()
    return t


def load_sample(session: Session) -> StdTemplate:
    data = (files("chengguan.standardization") / "data" / "jiangsu_sample.csv").read_bytes()
    return import_template(session, None, "江苏省城市管理执法规范化建设标准（样例，待替换为正式文本）", data,
                           "jiangsu_sample.csv", is_sample=True)


def template_out(session: Session, t: StdTemplate) -> dict[str, Any]:
    items = session.scalars(select(StdItem).where(StdItem.template_id == t.id).order_by(StdItem.sort)).all()
    aspects: dict[str, dict[str, list[dict[str, Any]]]] = {a: {} for a in ASPECTS}
    for i in items:
        aspects.setdefault(i.aspect, {}).setdefault(i.sub_item, []).append(
            {"id": i.id, "code": i.code, "text": i.text, "points": i.points, "evidence": i.evidence,
             "evidence_required": i.evidence_required})
    return {"id": t.id, "name": t.name, "source": t.source, "is_sample": t.is_sample, "pass_score": t.pass_score,
            "full_score": t.full_score, "items": len(items),
            "aspects": [{"name": a, "points": sum(x["points"] for s in subs.values() for x in s),
                         "sub_items": [{"name": s, "items": v} for s, v in subs.items()]}
                        for a, subs in aspects.items() if subs]}


def active_template(session: Session) -> StdTemplate:
    t = session.scalar(select(StdTemplate).where(StdTemplate.is_active.is_(True)).order_by(StdTemplate.id.desc()))
    if t is None:
        raise NotFound("尚未导入规范化建设标准", code="no_template")
    return t


def activate(session: Session, p: Principal, template_id: int) -> StdTemplate:
    _need(p, REVIEW_ROLES, "启用规范化建设标准")
    t = session.get(StdTemplate, template_id)
    if t is None:
        raise NotFound("模板不存在", code="unknown_template")
    for other in session.scalars(select(StdTemplate).where(StdTemplate.id != t.id)):
        other.is_active = False
    t.is_active = True
    session.flush()
    return t


# ----------------------------------------------------------------------------------------- teams


def teams(session: Session, district_code: str | None = None) -> list[Department]:
    kinds = list(cfg.value(session, TEAM_TYPES.key))
    stmt = select(Department).where(Department.type_key.in_(kinds), Department.is_active.is_(True))
    if district_code:
        stmt = stmt.where(Department.region_code.startswith(district_code))
    return list(session.scalars(stmt.order_by(Department.region_code, Department.name)))


def _may_edit(p: Principal | None, a: StdAssessment) -> None:
    if p is None or p.has(Role.ADMIN):
        return
    if p.department_id == a.department_id or a.department_id in p.departments(Role.OFFICER) \
            or a.department_id in p.departments(Role.DEPT_HANDLER):
        return
    raise Forbidden("只有本中队人员可以填写自评", code="not_team_member")


def _may_view(p: Principal | None, a: StdAssessment) -> None:
    if p is None or p.has(*VIEW_ROLES):
        return
    _may_edit(p, a)


def start(session: Session, p: Principal | None, department_id: int, year: int) -> StdAssessment:
    """The team's assessment for the year under the active template (created as a draft if new)."""
    t = active_template(session)
    dept = session.get(Department, department_id)
    if dept is None or dept.type_key not in cfg.value(session, TEAM_TYPES.key):
        raise NotFound("执法中队不存在", code="unknown_team")
    a = session.scalar(select(StdAssessment).where(StdAssessment.template_id == t.id,
                                                   StdAssessment.department_id == dept.id, StdAssessment.year == year))
    if a is not None:
        _may_view(p, a)
        return a
    a = StdAssessment(template_id=t.id, department_id=dept.id, street_code=dept.region_code, year=year, state="draft")
    if p is not None and not p.has(*REVIEW_ROLES):  # the city opens it for a team, or the team itself
        _may_edit(p, a)
    session.add(a)
    session.flush()
    for item in session.scalars(select(StdItem).where(StdItem.template_id == t.id)):
        session.add(StdAnswer(assessment_id=a.id, item_id=item.id, evidence_ids=[]))
    session.flush()
    return a


def _get(session: Session, assessment_id: int) -> StdAssessment:
    a = session.get(StdAssessment, assessment_id)
    if a is None:
        raise NotFound("自评记录不存在", code="unknown_assessment")
    return a


def answer(session: Session, p: Principal | None, assessment_id: int, item_id: int, self_points: float | None,
           note: str | None = None, evidence: list[str] | None = None,
           evidence_ids: list[int] | None = None) -> StdAnswer:
    a = _get(session, assessment_id)
    _may_edit(p, a)
    if a.state not in ("draft", "returned"):
        raise Conflict("自评已提交，不能修改", code="already_submitted")
    ans = session.scalar(select(StdAnswer).where(StdAnswer.assessment_id == a.id, StdAnswer.item_id == item_id))
    item = session.get(StdItem, item_id)
    if ans is None or item is None:
        raise NotFound("检查项目不存在", code="unknown_item")
    if self_points is not None and not 0 <= self_points <= item.points:
        raise Invalid(f"自评分应在 0–{item.points:g} 之间", code="bad_points")
    ans.self_points, ans.note = self_points, note
    if evidence is not None or evidence_ids is not None:
        ans.evidence_ids = list(evidence_ids or []) + resolve_file_tokens(session, evidence)
    session.flush()
    return ans


def submit(session: Session, p: Principal | None, assessment_id: int) -> StdAssessment:
    a = _get(session, assessment_id)
    _may_edit(p, a)
    if a.state not in ("draft", "returned"):
        raise Conflict("自评已提交", code="already_submitted")
    rows = session.execute(select(StdAnswer, StdItem).join(StdItem, StdItem.id == StdAnswer.item_id)
                           .where(StdAnswer.assessment_id == a.id)).all()
    unanswered = [i.code for ans, i in rows if ans.self_points is None]
    if unanswered:
        raise Invalid(f"还有 {len(unanswered)} 个项目未自评", code="incomplete", details={"items": unanswered[:50]})
    missing = [i.code for ans, i in rows if i.evidence_required and (ans.self_points or 0) > 0 and not ans.evidence_ids]
    if missing:
        raise Invalid(f"{len(missing)} 个项目缺少佐证材料", code="evidence_missing", details={"items": missing[:50]})
    a.self_score = round(sum(ans.self_points or 0 for ans, _ in rows), 2)
    a.state, a.submitted_at = "submitted", clock.now()
    session.flush()
    return a


def review(session: Session, p: Principal | None, assessment_id: int, points: dict[int, float],
           note: str | None = None, send_back: bool = False) -> StdAssessment:
    """City review: ``points`` {item_id: reviewed points} (unlisted items keep the self points); or send it
    back (退回) for the team to complete."""
    _need(p, REVIEW_ROLES, "复核规范化建设自评")
    a = _get(session, assessment_id)
    if a.state != "submitted":
        raise Conflict("只能复核已提交的自评", code="not_submitted")
    if send_back:
        if not note:
            raise Invalid("退回需要说明原因（note）")
        a.state, a.review_note = "returned", note
        session.flush()
        return a
    t = session.get(StdTemplate, a.template_id)
    assert t is not None
    rows = session.execute(select(StdAnswer, StdItem).join(StdItem, StdItem.id == StdAnswer.item_id)
                           .where(StdAnswer.assessment_id == a.id)).all()
    known = {i.id for _, i in rows}
    bad = [k for k in points if int(k) not in known]
    if bad:
        raise Invalid("复核分中有不属于该模板的项目", code="unknown_item", details={"items": bad})
    total = 0.0
    for ans, item in rows:
        v = points.get(item.id, points.get(str(item.id), ans.self_points))  # type: ignore[call-overload]
        v = float(v or 0)
        if not 0 <= v <= item.points:
            raise Invalid(f"项目 {item.code} 的复核分应在 0–{item.points:g} 之间", code="bad_points")
        ans.review_points = v
        total += v
    a.review_score = round(total, 2)
    a.compliant = a.review_score >= t.full_score * t.pass_score / 100.0 - 1e-9
    a.state, a.reviewed_at, a.reviewer_id, a.review_note = "reviewed", clock.now(), p.user_id if p else None, note
    session.flush()
    return a


def assessment_out(session: Session, p: Principal | None, assessment_id: int) -> dict[str, Any]:
    a = _get(session, assessment_id)
    _may_view(p, a)
    t = session.get(StdTemplate, a.template_id)
    dept = session.get(Department, a.department_id)
    rows = session.execute(select(StdAnswer, StdItem).join(StdItem, StdItem.id == StdAnswer.item_id)
                           .where(StdAnswer.assessment_id == a.id).order_by(StdItem.sort)).all()
    return {"id": a.id, "year": a.year, "state": a.state, "team": dept.name if dept else None,
            "department_id": a.department_id, "street_code": a.street_code, "self_score": a.self_score,
            "review_score": a.review_score, "compliant": a.compliant, "review_note": a.review_note,
            "template": {"id": t.id, "name": t.name, "is_sample": t.is_sample, "full_score": t.full_score,
                         "pass_score": t.pass_score} if t else None,
            "items": [{"item_id": i.id, "aspect": i.aspect, "sub_item": i.sub_item, "code": i.code, "text": i.text,
                       "points": i.points, "evidence": i.evidence, "evidence_required": i.evidence_required,
                       "self_points": ans.self_points, "note": ans.note, "evidence_ids": ans.evidence_ids,
                       "review_points": ans.review_points} for ans, i in rows]}


# ----------------------------------------------------------------------------------------- progress


def set_target(session: Session, p: Principal | None, district_code: str, year: int, ratio: float,
               due: date) -> StdTarget:
    _need(p, REVIEW_ROLES, "设置达标目标")
    if not 0 < ratio <= 1:
        raise Invalid("目标比例应在 0–1 之间（如 0.5 表示 50%）", code="bad_ratio")
    row = session.scalar(select(StdTarget).where(StdTarget.district_code == district_code, StdTarget.year == year))
    if row is None:
        row = StdTarget(district_code=district_code, year=year, ratio=ratio, due=due)
        session.add(row)
    else:
        row.ratio, row.due = ratio, due
    session.flush()
    return row


def progress(session: Session, p: Principal | None, year: int) -> list[dict[str, Any]]:
    """Per district: teams, compliant teams (reviewed, 达标), share, target share and date, on track."""
    _need(p, VIEW_ROLES, "查看规范化建设进度")
    all_teams = teams(session)
    by_district: dict[str, list[Department]] = {}
    for d in all_teams:
        by_district.setdefault((d.region_code or "")[:6], []).append(d)
    compliant = {d for d, in session.execute(select(StdAssessment.department_id).where(
        StdAssessment.year <= year, StdAssessment.compliant.is_(True)))}
    states = dict(session.execute(select(StdAssessment.department_id, StdAssessment.state).where(
        StdAssessment.year == year)).all())
    targets = {t.district_code: t for t in session.scalars(select(StdTarget).where(StdTarget.year == year))}
    from chengguan.geo.models import Division

    names = dict(session.execute(select(Division.code, Division.name).where(Division.level == "district")).all())
    out = []
    for code, ds in sorted(by_district.items()):
        n_ok = sum(1 for d in ds if d.id in compliant)
        tgt = targets.get(code)
        share = n_ok / len(ds) if ds else None
        out.append({"district_code": code, "district_name": names.get(code, code), "teams": len(ds),
                    "compliant": n_ok, "share": share, "target": tgt.ratio if tgt else None,
                    "target_teams": int(-(-len(ds) * tgt.ratio // 1)) if tgt else None,
                    "due": tgt.due if tgt else None,
                    "on_track": None if tgt is None or share is None else share >= tgt.ratio,
                    "states": {s: sum(1 for d in ds if states.get(d.id) == s)
                               for s in ("draft", "submitted", "reviewed", "returned")},
                    "not_started": sum(1 for d in ds if d.id not in states),
                    "team_list": [{"department_id": d.id, "name": d.name, "state": states.get(d.id),
                                   "compliant": d.id in compliant} for d in ds]})
    return out


def list_assessments(session: Session, p: Principal, year: int) -> list[dict[str, Any]]:
    _need(p, VIEW_ROLES, "查看规范化建设自评")
    names = dict(session.execute(select(Department.id, Department.name)).all())
    return [{"id": a.id, "team": names.get(a.department_id), "department_id": a.department_id, "state": a.state,
             "self_score": a.self_score, "review_score": a.review_score, "compliant": a.compliant,
             "submitted_at": a.submitted_at, "reviewed_at": a.reviewed_at}
            for a in session.scalars(select(StdAssessment).where(StdAssessment.year == year)
                                     .order_by(StdAssessment.state, StdAssessment.id))]


