"""执法文书: issued with the agency's number (gap-free per type and year: a counter row locked in the
transaction, see system/counters.py), their content frozen at issue (``EnforcementDocument.data``), and
rendered to PDF from Jinja templates with the embedded CJK fonts (core/pdf.py)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import select
from sqlalchemy.orm import Session

from chengguan.accounts.models import User
from chengguan.accounts.principal import Principal
from chengguan.core import clock, pdf
from chengguan.core.errors import NotFound
from chengguan.enforcement import rules as R
from chengguan.enforcement.models import (
    EnforcementCase,
    EnforcementChallenge,
    EnforcementDocument,
    EnforcementEvidence,
    EnforcementMeasure,
    EnforcementPaymentPlan,
    EnforcementRecord,
    EnforcementRecusal,
    EnforcementService,
    EnforcementTransfer,
)
from chengguan.system import counters

# doc_type → (title, numbering word or None for unnumbered forms)
TYPES: dict[str, tuple[str, str | None]] = {
    "register_approval": ("立案审批表", "立"),
    "inspection_record": ("现场检查（勘验）笔录", None),
    "inquiry_record": ("询问笔录", None),
    "statement_record": ("陈述申辩笔录", None),
    "correction_order": ("责令改正通知书", "改"),
    "preserve_notice": ("证据先行登记保存通知书", "保"),
    "seizure_decision": ("查封（扣押）决定书", "强"),
    "handling_approval": ("案件处理审批表", None),
    "collective_record": ("案件集体讨论记录", None),
    "legal_review_opinion": ("法制审核意见书", "法审"),
    "prior_notice": ("行政处罚事先告知书", "罚告"),
    "hearing_rights_notice": ("行政处罚听证告知书", "听告"),
    "hearing_summons": ("行政处罚听证通知书", "听通"),
    "hearing_record": ("听证笔录", None),
    "penalty_decision": ("行政处罚决定书", "罚决"),
    "summary_decision": ("当场行政处罚决定书", "当罚"),
    "no_penalty_decision": ("不予行政处罚决定书", "不罚"),
    "service_receipt": ("送达回证", None),
    "demand": ("催告书", "催"),
    "transfer_letter": ("案件移送书", "移"),
    "closure_approval": ("结案审批表", "结"),
    "file_cover": ("卷宗封面及卷内目录", None),
    "hearing_announcement": ("听证公告", "听公"),
    "late_fine_decision": ("加处罚款决定书", "加罚"),
    "court_application": ("强制执行申请书", "执申"),
    "disposal_record": ("罚没物品处理记录", "没处"),
    "recusal_decision": ("回避决定书", "回避"),
    "payment_plan_decision": ("暂缓（分期）缴纳罚款决定书", "缓缴"),
    "payment_plan_refusal": ("不予批准暂缓（分期）缴纳罚款通知书", "缓不"),
}
# The forms printed on one A4 sheet (the standard pre-printed forms are one page): a tighter type area and
# 12 pt on 18 pt instead of 13 on 22. The other forms keep the GB/T 9704-like layout and run over pages.
ONE_PAGE = frozenset({"summary_decision", "hearing_summons", "demand", "late_fine_decision"})
_ONE_PAGE_CSS = "@page { margin: 22mm 20mm 20mm 24mm; } .seal { margin-top: 12pt; }"
GENERIC_TEMPLATE = "document.html"  # the fallback for any type without its own <doc_type>.html

_env = Environment(loader=FileSystemLoader(str(Path(__file__).parent / "templates" / "docs")),
                   autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)


def doc_number(session: Session, doc_type: str, year: int) -> tuple[int | None, str | None]:
    word = TYPES[doc_type][1]
    if word is None:
        return None, None
    n = counters.next_value(session, f"enf_doc:{doc_type}", str(year))
    return n, f"{R.v(session, R.DOC_PREFIX)}{word}字〔{year}〕第{n}号"


def issue(session: Session, ec: EnforcementCase, doc_type: str, p: Principal | None, at: datetime,
          extra: dict[str, Any]) -> EnforcementDocument:
    """Number the document and freeze its content."""
    if doc_type not in TYPES:
        raise NotFound(f"未知文书类型 {doc_type}")
    year = clock.local(at).year
    number, doc_no = doc_number(session, doc_type, year)
    data = BUILDERS[doc_type](session, ec, {**extra, "at": at})
    data.setdefault("party", party_block(ec))
    data.setdefault("addressee", ec.party_name)
    data["agency"] = R.v(session, R.AGENCY)
    if ec.entrustment_id is not None:  # 委托执法: issued in the entrusting agency's name (APL 20)
        from chengguan.enforcement.procedures import document_fields

        data.update(document_fields(session, ec))
    data["date"] = f"{clock.local(at):%Y年%m月%d日}"
    data["case_no"] = ec.case_no
    doc = EnforcementDocument(case_id=ec.id, doc_type=doc_type, year=year, number=number, doc_no=doc_no,
                              title=TYPES[doc_type][0], issued_at=at, issued_by=p.user_id if p else None,
                              data=_jsonable(data))
    session.add(doc)
    session.flush()
    return doc


def _jsonable(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_jsonable(x) for x in v]
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, datetime):
        return f"{clock.local(v):%Y年%m月%d日 %H:%M}"
    return v


def template_for(doc_type: str) -> str:
    """The form's own template (``<doc_type>.html``), else the generic one."""
    name = f"{doc_type}.html"
    return name if name in _templates() else GENERIC_TEMPLATE


@lru_cache(maxsize=1)
def _templates() -> frozenset[str]:
    return frozenset(_env.list_templates())


def html(doc: EnforcementDocument) -> str:
    return _env.get_template(template_for(doc.doc_type)).render(doc=doc, d=doc.data, title=doc.title)


def render(session: Session, doc: EnforcementDocument) -> bytes:
    css = ([pdf.document_css(title_pt=20, body_pt=12, line_pt=18), _ONE_PAGE_CSS] if doc.doc_type in ONE_PAGE
           else [pdf.document_css(body_pt=13, line_pt=22)])
    out = pdf.render_pdf(html(doc), stylesheets=css)
    if doc.sha256 is None:
        doc.sha256 = hashlib.sha256(html(doc).encode("utf-8")).hexdigest()
    return out


def get(session: Session, doc_id: int) -> EnforcementDocument:
    doc = session.get(EnforcementDocument, doc_id)
    if doc is None:
        raise NotFound("文书不存在", code="unknown_document")
    return doc


# ------------------------------------------------------------------------------------------ content builders


def _dt(v: datetime | None) -> str:
    return f"{clock.local(v):%Y年%m月%d日 %H:%M}" if v else "—"


def _day(v: datetime | None) -> str:
    return f"{clock.local(v):%Y年%m月%d日}" if v else "—"


def _users(session: Session, ids: list[Any]) -> str:
    ids = [int(i) for i in ids if i]
    if not ids:
        return "—"
    from chengguan.workforce.models import Certificate, Person

    users = {u.id: u.display_name for u in session.scalars(select(User).where(User.id.in_(ids)))}
    certs: dict[int, str] = {}
    for person, number in session.execute(select(Person.user_id, Certificate.number)
                                          .join(Certificate, Certificate.person_id == Person.id)
                                          .where(Person.user_id.in_(ids))):
        if person is not None:
            certs.setdefault(person, number)
    return "、".join(f"{users.get(i, i)}（执法证号{certs[i]}）" if i in certs else str(users.get(i, i)) for i in ids)


def party_block(ec: EnforcementCase) -> list[list[str]]:
    if ec.party_type == "org":
        return [["当事人（单位）", ec.party_name], ["统一社会信用代码", ec.party_id_no or "—"],
                ["法定代表人（负责人）", ec.party_legal_rep or "—"], ["地址", ec.party_address or "—"],
                ["联系电话", ec.party_phone or "—"]]
    return [["当事人", ec.party_name], ["身份证号码", ec.party_id_no or "—"], ["住址", ec.party_address or "—"],
            ["联系电话", ec.party_phone or "—"]]


def _penalty(ec: EnforcementCase) -> str:
    from chengguan.enforcement.service import penalty_text

    return penalty_text(ec)


def _remedies() -> str:
    return ("如不服本决定，可以在收到本决定书之日起六十日内依法申请行政复议，或者在六个月内依法向人民法院提起行政诉讼。"
            "申请行政复议或者提起行政诉讼的，不停止本决定的执行（法律另有规定的除外）。")


def b_register(session: Session, ec: EnforcementCase, x: dict[str, Any]) -> dict[str, Any]:
    from chengguan.enforcement.service import SOURCE_LABELS

    return {"fields": [["案由", ec.cause], ["案件来源", SOURCE_LABELS.get(ec.source, ec.source)],
                       ["来源说明", ec.source_ref or "—"], ["发案时间", _dt(ec.occurred_at)], ["发案地点", ec.address or "—"],
                       ["承办人员", _users(session, [ec.lead_officer_id, ec.assist_officer_id])],
                       ["立案时间", _dt(ec.registered_at)], ["决定期限", _day(ec.decision_due_at)]],
            "paragraphs": [f"案情摘要：{ec.facts or '—'}", f"负责人审批意见：{x.get('opinion') or '同意立案。'}"]}


def b_record(session: Session, ec: EnforcementCase, x: dict[str, Any]) -> dict[str, Any]:
    r = session.get(EnforcementRecord, x["record_id"])
    assert r is not None
    sig = "当事人已签名确认。" if r.party_signed else f"当事人拒绝签名：{r.refusal_note}"
    lines = [ln.strip() for ln in (r.content or "").splitlines() if ln.strip()]
    return {"fields": [["案由", ec.cause], ["时间", f"{_dt(r.started_at)} 至 {_dt(r.ended_at)}"], ["地点", r.place or "—"],
                       ["被询问（检查）人", r.subject_name or "—"], ["执法人员", _users(session, r.officer_ids or [])],
                       ["记录人", _users(session, [r.recorder_id]) if r.recorder_id else "—"]],
            "paragraphs": [*lines, *([f"复核意见：{r.conclusion}"] if r.conclusion else []), sig],
            # the form's own layout: header grid, then 问/答 lines (a line starting 问/答 is a question/answer)
            "rec": {"cause": ec.cause, "from": _dt(r.started_at), "to": _dt(r.ended_at), "place": r.place or "—",
                    "subject": r.subject_name or "—", "officers": _users(session, r.officer_ids or []),
                    "recorder": _users(session, [r.recorder_id]) if r.recorder_id else "—",
                    "participants": "、".join(r.participants or []), "conclusion": r.conclusion or "",
                    "signed": bool(r.party_signed), "refusal": r.refusal_note or ""},
            "qa": [[ln[0], ln[1:].lstrip("：:").strip()] if ln[:1] in ("问", "答") else ["", ln] for ln in lines]}


def b_correction(session: Session, ec: EnforcementCase, x: dict[str, Any]) -> dict[str, Any]:
    return {"paragraphs": [f"经查，你（单位）{ec.facts or ec.cause}。",
                           f"上述行为违反了{ec.legal_basis or '有关规定'}。依据《中华人民共和国行政处罚法》第二十八条，"
                           f"现责令你（单位）：{ec.correction_order or '立即改正违法行为'}。",
                           "逾期不改正的，本机关将依法处理。"]}


def b_measure(session: Session, ec: EnforcementCase, x: dict[str, Any]) -> dict[str, Any]:
    m = session.get(EnforcementMeasure, x["measure_id"])
    assert m is not None
    if m.kind == "preserve":
        text = (f"因你（单位）涉嫌{ec.cause}，证据可能灭失或者以后难以取得，经本机关负责人批准，依据《中华人民共和国行政处罚法》"
                f"第五十六条，对下列物品先行登记保存，保存期间自{_day(m.started_at)}至{_day(m.due_at)}。"
                "在此期间，当事人或者有关人员不得销毁或者转移证据。本机关将在七个工作日内作出处理决定。")
    else:
        word = "查封" if m.kind == "seal" else "扣押"
        text = (f"因你（单位）涉嫌{ec.cause}，依据《中华人民共和国行政强制法》第二十二条至第二十五条，经本机关负责人批准，"
                f"决定对下列物品予以{word}，期限{m.days}日（自{_day(m.started_at)}至{_day(m.due_at)}）；"
                "情况复杂的，经批准可以延长，但延长期限不超过三十日。")
    return {"remedies": _remedies() if m.kind != "preserve" else None, "items_title": "物品清单",
            "paragraphs": [text, f"保存（存放）地点：{m.storage_place or '—'}",
                           f"执法人员：{_users(session, m.officer_ids or [])}"],
            "table": {"head": ["序号", "名称", "规格", "数量", "备注"],
                      "rows": [[i + 1, it.get("name"), (it.get("spec") or ""), it.get("quantity"), (it.get("note") or "")]
                               for i, it in enumerate(m.items or [])]},
            "note": "本清单一式两份，当事人和本机关各执一份。"}


def b_handling(session: Session, ec: EnforcementCase, x: dict[str, Any]) -> dict[str, Any]:
    from chengguan.enforcement.service import EVIDENCE_LABELS, OUTCOMES

    ev = session.scalars(select(EnforcementEvidence).where(EnforcementEvidence.case_id == ec.id)).all()
    std = ec.discretion or {}
    return {"fields": [["案由", ec.cause], ["立案时间", _dt(ec.registered_at)],
                       ["处理意见", OUTCOMES.get(ec.end_outcome or "", "—")], ["拟处罚内容", _penalty(ec)],
                       ["裁量基准", f"{std.get('standard_id')}@{std.get('standard_version')} {std.get('tier_label') or std.get('tier') or ''}"
                        if std.get("standard_id") else "—"],
                       ["承办人员", _users(session, [ec.lead_officer_id, ec.assist_officer_id])]],
            "paragraphs": [f"认定的违法事实：{ec.facts or '—'}", f"违反的规定及处罚依据：{ec.legal_basis or '—'}",
                           "证据：" + ("；".join(f"{EVIDENCE_LABELS[e.kind]}·{e.title}" + (f"（SHA-256 {e.sha256[:16]}…）" if e.sha256 else "")
                                              for e in ev) or "—")]}


def b_collective(session: Session, ec: EnforcementCase, x: dict[str, Any]) -> dict[str, Any]:
    r = session.get(EnforcementRecord, x["record_id"])
    assert r is not None
    return {"fields": [["案件名称", ec.cause], ["讨论时间", _dt(r.started_at)], ["讨论理由", x.get("reason") or "—"],
                       ["参加人员", "、".join(r.participants or [])]],
            "paragraphs": [f"讨论意见：{r.content}", f"结论：{r.conclusion}"]}


def b_review(session: Session, ec: EnforcementCase, x: dict[str, Any]) -> dict[str, Any]:
    items = x.get("items") or {}
    labels = {"subject": "执法主体", "jurisdiction": "管辖", "procedure": "程序", "facts": "事实与证据", "law": "法律适用",
              "discretion": "裁量", "documents": "文书"}
    return {"fields": [["案由", ec.cause], ["审核结论", "同意" if x.get("passed") else "不同意（退回补充或纠正）"],
                       ["审核人员资格证号", x.get("qualification_no") or "—"]],
            "paragraphs": [f"{labels.get(k, k)}：{v}" for k, v in items.items()] + [f"审核意见：{x.get('opinion')}"]}


def b_prior_notice(session: Session, ec: EnforcementCase, x: dict[str, Any]) -> dict[str, Any]:
    paras = [f"经查，你（单位）{ec.facts or ec.cause}。", f"以上事实违反了{ec.legal_basis or '有关规定'}。",
             f"本机关拟对你（单位）作出如下行政处罚：{_penalty(ec)}。",
             f"根据《中华人民共和国行政处罚法》第四十四条、第四十五条的规定，你（单位）有权进行陈述和申辩，"
             f"请于{_day(ec.statement_due_at)}前向本机关提出；逾期未提出的，视为放弃此权利。"]
    if ec.hearing_offered:
        paras.append(f"根据第六十三条、第六十四条的规定，你（单位）有权要求听证，请于{_day(ec.hearing_request_due_at)}前"
                     "（告知后五个工作日内）提出。")
    return {"paragraphs": paras}


def b_hearing_rights(session: Session, ec: EnforcementCase, x: dict[str, Any]) -> dict[str, Any]:
    return {"paragraphs": [f"本机关拟对你（单位）作出{_penalty(ec)}的行政处罚。根据《中华人民共和国行政处罚法》第六十三条、"
                           f"第六十四条，你（单位）有权要求举行听证，应当在{_day(ec.hearing_request_due_at)}前（告知后五个工作日内）"
                           "提出；逾期未提出的，视为放弃听证权利。听证不收取费用。"]}


def b_hearing_summons(session: Session, ec: EnforcementCase, x: dict[str, Any]) -> dict[str, Any]:
    chair = session.get(User, ec.hearing_chair_id) if ec.hearing_chair_id else None
    return {"fields": [["听证时间", _dt(ec.hearing_at)], ["听证地点", ec.hearing_place or "—"],
                       ["主持人", chair.display_name if chair else "—"], ["是否公开", "公开" if x.get("public") else "不公开"]],
            "agents": list(x.get("agents") or []), "closed_reason": x.get("closed_reason"),
            "paragraphs": ["你（单位）可以亲自参加听证，也可以委托一至二人代理；认为主持人与本案有直接利害关系的，有权申请回避。",
                           "无正当理由拒不出席听证或者未经许可中途退出听证的，视为放弃听证权利，终止听证。"]}


def b_decision(session: Session, ec: EnforcementCase, x: dict[str, Any]) -> dict[str, Any]:
    std = ec.discretion or {}
    basis = f"（适用裁量基准 {std.get('standard_id')} 第{std.get('standard_version')}版）" if std.get("standard_id") else ""
    return {"paragraphs": [
        f"经查，你（单位）{ec.facts or ec.cause}。", f"以上事实违反了{ec.legal_basis or '有关规定'}。",
        f"本机关已于{_day(ec.notified_at)}告知你（单位）拟作出行政处罚的内容及事实、理由、依据，并告知你（单位）依法享有的"
        f"陈述、申辩{'、听证' if ec.hearing_offered else ''}权利。" if ec.notified_at else "",
        f"依据上述规定{basis}，本机关决定：{_penalty(ec)}；并责令你（单位）{ec.correction_order or '改正违法行为'}。",
        "罚款应当自收到本决定书之日起十五日内缴至指定银行或者通过电子支付系统缴纳（本机关不收取罚款）。"
        "到期不缴纳罚款的，每日按罚款数额的百分之三加处罚款，加处罚款的数额不超过罚款数额，并依法申请人民法院强制执行。"],
        "remedies": _remedies()}


def b_summary(session: Session, ec: EnforcementCase, x: dict[str, Any]) -> dict[str, Any]:
    sig = "当事人已签收。" if x.get("party_signed", True) else f"当事人拒绝签收：{x.get('refusal_note')}"
    pay = ("罚款已当场收缴，出具财政部门统一制发的专用票据。" if ec.cash_collected else
           "请于收到本决定书之日起十五日内到指定银行缴纳罚款；逾期每日按罚款数额的百分之三加处罚款。")
    return {"fields": [["违法时间", _dt(ec.occurred_at)], ["违法地点", ec.address or "—"],
                       ["执法人员", _users(session, [ec.lead_officer_id, ec.assist_officer_id])]],
            "paragraphs": [f"违法行为：{ec.facts}", f"处罚依据：{ec.legal_basis}",
                           f"依据《中华人民共和国行政处罚法》第五十一条、第五十二条，当场作出如下处罚：{_penalty(ec)}。",
                           pay if "fine" in (ec.penalty_types or []) else "", sig,
                           "本决定书报所属行政机关备案。"], "remedies": _remedies(),
            "officers": _users(session, [ec.lead_officer_id, ec.assist_officer_id])}


def b_no_penalty(session: Session, ec: EnforcementCase, x: dict[str, Any]) -> dict[str, Any]:
    from chengguan.enforcement.service import OUTCOMES

    return {"paragraphs": [f"经查，{ec.facts or ec.cause}。", f"本机关认为：{OUTCOMES.get(ec.end_outcome or '', '')}。",
                           "依据《中华人民共和国行政处罚法》第三十三条、第五十七条，决定不予行政处罚。",
                           f"已对你（单位）进行教育：{x.get('education')}"], "remedies": _remedies()}


def b_receipt(session: Session, ec: EnforcementCase, x: dict[str, Any]) -> dict[str, Any]:
    from chengguan.enforcement.service import METHOD_LABELS

    s = session.get(EnforcementService, x["service_id"])
    assert s is not None
    d = session.get(EnforcementDocument, s.document_id)
    return {"fields": [["案由", ec.cause], ["送达文书", f"{d.title if d else ''} {d.doc_no or '' if d else ''}"],
                       ["受送达人", s.recipient], ["送达方式", METHOD_LABELS.get(s.method, s.method)],
                       ["送达地点", s.place or "—"], ["送达时间", _dt(s.sent_at)], ["视为送达时间", _dt(s.served_at)],
                       ["签收人", s.signed_by or "—"], ["见证人", s.witness or "—"], ["备注", s.note or "—"]],
            "receipt": {"cause": ec.cause, "doc_title": d.title if d else "", "doc_no": (d.doc_no or "—") if d else "—",
                        "count": 1, "recipient": s.recipient, "method": METHOD_LABELS.get(s.method, s.method),
                        "place": s.place or ec.party_address or "—", "sent": _dt(s.sent_at), "served": _dt(s.served_at),
                        "signed_by": s.signed_by or "", "witness": s.witness or "", "note": s.note or "",
                        "server": _users(session, [s.server_id]) if s.server_id else "—",
                        "left": s.method == "left", "public": s.method == "public_notice"}}


def b_demand(session: Session, ec: EnforcementCase, x: dict[str, Any]) -> dict[str, Any]:
    return {"paragraphs": [
        f"本机关于{_day(ec.decided_at)}作出{ec.decision_no}行政处罚决定，已于{_day(ec.served_at)}送达你（单位）。"
        f"你（单位）至今未履行缴纳罚款人民币{ec.fine_amount}元的义务。",
        f"截至本催告书发出之日，已产生加处罚款人民币{x.get('late_fine')}元（{x.get('late_days')}日，每日百分之三，不超过罚款数额）。",
        "依据《中华人民共和国行政强制法》第三十五条、第五十四条，现催告你（单位）自收到本催告书之日起十个工作日内"
        "到指定银行或通过电子支付系统缴纳上述款项。你（单位）有权进行陈述和申辩。逾期仍不履行的，本机关将依法申请人民法院强制执行。"]}


def b_transfer(session: Session, ec: EnforcementCase, x: dict[str, Any]) -> dict[str, Any]:
    t = session.get(EnforcementTransfer, x["transfer_id"])
    assert t is not None
    basis = ("依据《行政执法机关移送涉嫌犯罪案件的规定》第三条、第六条" if t.kind == "police" else "依据管辖规定")
    return {"fields": [["接收机关", t.receiver], ["案由", ec.cause]],
            "paragraphs": [f"本机关在办理{ec.cause}一案中发现：{t.reason}。{basis}，现将该案移送你单位处理，并附涉案物品清单。",
                           "请在收到后签署回执；处理结果请书面告知本机关。"],
            "table": {"head": ["序号", "名称", "数量", "备注"],
                      "rows": [[i + 1, it.get("name"), it.get("quantity"), (it.get("note") or "")] for i, it in enumerate(t.items or [])]}}


def b_closure(session: Session, ec: EnforcementCase, x: dict[str, Any]) -> dict[str, Any]:
    if ec.paid_at:
        how = f"当事人已于{_day(ec.paid_at)}缴纳罚款及加处罚款共{ec.paid_amount}元（{ec.payment_ref}）"
    elif ec.court_applied_at:
        how = f"已于{_day(ec.court_applied_at)}申请人民法院强制执行"
    elif ec.status == "transferred":
        how = "已移送并取得回执"
    else:
        how = "决定已送达"
    from chengguan.enforcement.service import DISPOSAL_METHODS

    disposed = [f"{d.doc_no}（{DISPOSAL_METHODS.get(str((d.data or {}).get('method')), '—')}）"
                for d in session.scalars(select(EnforcementDocument).where(
                    EnforcementDocument.case_id == ec.id, EnforcementDocument.doc_type == "disposal_record"))]
    return {"fields": [["案由", ec.cause], ["决定书文号", ec.decision_no or "—"], ["处罚内容", _penalty(ec)],
                       ["执行情况", how], ["罚没物品处理", "；".join(disposed) or "—"]],
            "paragraphs": [f"负责人意见：{x.get('opinion') or '同意结案。'}"]}


def b_cover(session: Session, ec: EnforcementCase, x: dict[str, Any]) -> dict[str, Any]:
    docs = session.scalars(select(EnforcementDocument).where(EnforcementDocument.case_id == ec.id)
                           .order_by(EnforcementDocument.issued_at, EnforcementDocument.id)).all()
    ev = session.scalars(select(EnforcementEvidence).where(EnforcementEvidence.case_id == ec.id)
                         .order_by(EnforcementEvidence.id)).all()
    rows = [[i + 1, d.title, d.doc_no or "—", _day(d.issued_at)] for i, d in enumerate(docs)]
    rows += [[len(rows) + i + 1, f"证据：{e.title}", (e.sha256 or "")[:16], _day(e.collected_at)] for i, e in enumerate(ev)]
    return {"fields": [["案号", ec.case_no], ["案由", ec.cause], ["当事人", ec.party_name],
                       ["立案日期", _day(ec.registered_at)], ["结案日期", _day(ec.closed_at)],
                       ["决定书文号", ec.decision_no or "—"]],
            "table": {"head": ["序号", "材料名称", "文号/摘要", "日期"], "rows": rows}, "note": "一案一卷"}


def b_hearing_announcement(session: Session, ec: EnforcementCase, x: dict[str, Any]) -> dict[str, Any]:
    chair = session.get(User, ec.hearing_chair_id) if ec.hearing_chair_id else None
    return {"party": [["当事人", ec.party_name]],  # a public notice: no ID number, address or phone
            "fields": [["案由", ec.cause], ["听证时间", _dt(ec.hearing_at)], ["听证地点", ec.hearing_place or "—"],
                       ["听证主持人", chair.display_name if chair else "—"]],
            "paragraphs": [f"本机关在办理{ec.party_name}{ec.cause}一案中，拟作出{_penalty(ec)}的行政处罚，当事人依法要求举行听证。",
                           "根据《中华人民共和国行政处罚法》第六十四条的规定，本机关决定公开举行听证，现将有关事项公告如下。",
                           "公民、法人或者其他组织可以凭有效身份证件于听证开始前到听证地点登记旁听；旁听人员应当遵守听证纪律，"
                           "不得发言、提问，不得录音、录像和摄影。"]}


def _cn_day(d: date) -> str:
    return f"{d:%Y年%m月%d日}"


def b_late_fine(session: Session, ec: EnforcementCase, x: dict[str, Any]) -> dict[str, Any]:
    from chengguan.enforcement.service import late_fine_segments, payment_plan, plan_missed

    rate = Decimal(str(R.v(session, R.LATE_RATE)))
    pct = f"{(rate * 100).normalize():f}"
    digits = "零一二三四五六七八九十"
    pct_cn = f"百分之{digits[int(pct)]}" if pct.isdigit() and int(pct) <= 10 else f"{pct}%"
    at = x.get("at") or clock.now()
    # the periods late_fine() counts: the printed start is the first day of the period accruing now
    segments = late_fine_segments(session, ec, at)
    plan = payment_plan(session, ec)
    miss = plan_missed(plan, at)
    start = _cn_day(segments[-1][0]) if segments else "—"
    base = segments[-1][2] if segments else ec.fine_amount
    due_label, due = "缴款期限届满日", _day(ec.payment_due_at)
    plan_text = ""
    if miss is not None and plan is not None:
        kind = "暂缓缴纳" if plan.kind == "defer" else "分期缴纳"
        due_label, due = f"{kind}逾期", f"{_day(miss[0])}到期未缴"
        plan_text = (f"本机关于{_day(plan.decided_at)}批准你（单位）{kind}罚款，你（单位）未按期缴纳，"
                     f"{kind}已失效，尚欠罚款人民币{miss[1]}元应当一次缴清。")
    remainder = base is not None and base != ec.fine_amount
    earlier = [f"{_cn_day(a)}至{_cn_day(b)}按罚款人民币{v}元计" for a, b, v in segments[:-1]]
    return {"fields": [["原决定书文号", ec.decision_no or "—"], ["罚款数额", f"人民币{ec.fine_amount}元"],
                       [due_label, due], ["加处罚款起算日", start],
                       ["加处基数", f"人民币{base}元" + ("（尚欠罚款）" if remainder else "")],
                       ["加处标准", f"每日{pct}%"],
                       ["加处上限", (f"人民币{base}元，合计不超过罚款数额" if remainder
                                 else f"人民币{ec.fine_amount}元（罚款数额）")],
                       ["截至本决定", f"{x.get('late_days')}日，人民币{x.get('late_fine')}元"],
                       *([["此前已计期间", "；".join(earlier)]] if earlier else [])],
            "start": start,
            "paragraphs": [
                f"本机关于{_day(ec.decided_at)}对你（单位）作出{ec.decision_no}行政处罚决定，处以罚款人民币{ec.fine_amount}元，"
                f"该决定书已于{_day(ec.served_at)}送达，并已告知你（单位）到期不缴纳罚款将加处罚款。"
                + (plan_text or "你（单位）逾期未缴纳罚款。"),
                f"依据《中华人民共和国行政处罚法》第七十二条第一款第（一）项、《中华人民共和国行政强制法》第四十五条的规定，"
                f"本机关决定：自{start}起，每日按{'尚欠' if remainder else ''}罚款数额的{pct_cn}对你（单位）加处罚款，"
                "加处罚款的数额不超过罚款的数额。申请行政复议或者提起行政诉讼期间，加处罚款不予计算。",
                "请你（单位）立即将罚款及加处罚款缴至指定银行或者通过电子支付系统缴纳。逾期仍不履行的，本机关将依法申请人民法院强制执行。"],
            "remedies": _remedies()}


def b_court_application(session: Session, ec: EnforcementCase, x: dict[str, Any]) -> dict[str, Any]:
    head = session.get(User, x.get("head_id")) if x.get("head_id") else None
    late = Decimal(str(x.get("late_fine") or 0))
    total = (ec.fine_amount or Decimal(0)) + late
    challenged = session.scalar(select(EnforcementChallenge.id).where(EnforcementChallenge.case_id == ec.id)) is not None
    return {"court": x.get("court") or "本机关所在地有管辖权的人民法院",
            "applicant": [["申请人", _agency(session, ec)], ["负责人", head.display_name if head else "—"]],
            "fields": [["申请执行的决定", f"{ec.decision_no}（{_day(ec.decided_at)}作出，{_day(ec.served_at)}送达）"],
                       ["申请执行标的", f"罚款人民币{ec.fine_amount}元，加处罚款人民币{late}元（{x.get('late_days')}日），"
                                      f"合计人民币{total}元"],
                       ["催告书送达日期", _day(ec.demand_served_at)]],
            "paragraphs": [
                f"申请事项：请求人民法院依法强制执行{ec.decision_no}行政处罚决定，即强制被申请人缴纳罚款人民币{ec.fine_amount}元"
                f"及加处罚款人民币{late}元。",
                f"事实和理由：被申请人{ec.facts or ec.cause}，违反了{ec.legal_basis or '有关规定'}。申请人于{_day(ec.decided_at)}"
                f"依法作出{ec.decision_no}行政处罚决定，并于{_day(ec.served_at)}送达。被申请人"
                + ("申请行政复议或者提起行政诉讼，现已终结，" if challenged else "在法定期限内未申请行政复议或者提起行政诉讼，")
                + f"又不履行该决定。申请人于{_day(ec.demand_served_at)}送达催告书，催告期满十个工作日后被申请人仍未履行。",
                "依据《中华人民共和国行政强制法》第五十三条、第五十四条、第五十五条的规定，特申请人民法院强制执行。"
                + (f"说明：{x.get('note')}" if x.get("note") else "")],
            "attachments": ["行政处罚决定书及送达回证", "作出决定的事实、理由和依据（案件处理审批表及证据材料）",
                            "当事人的意见（陈述申辩笔录）及催告书、送达回证", "加处罚款决定书（如有）", "申请强制执行标的情况"],
            "head": head.display_name if head else "—"}


def b_disposal(session: Session, ec: EnforcementCase, x: dict[str, Any]) -> dict[str, Any]:
    from chengguan.enforcement.service import DISPOSAL_METHODS

    m = session.get(EnforcementMeasure, x["measure_id"])
    assert m is not None
    proceeds = (f"人民币{x.get('proceeds')}元，已全部上缴国库（缴库凭证{x.get('treasury_ref')}）"
                if x.get("proceeds") is not None else "—")
    return {"measure_id": m.id, "method": x["method"],  # kept: the closure checks each confiscated lot was disposed of
            "fields": [["原处罚决定书文号", ec.decision_no or "—"], ["原物品持有人", ec.party_name],
                       ["原扣押（保存）文书", _doc_no(session, m.document_id)], ["处理方式", DISPOSAL_METHODS.get(x["method"], x["method"])],
                       ["处理地点", x.get("place") or "—"], ["执行人", _users(session, x.get("officer_ids") or [])],
                       ["监销（见证）人", x.get("witness") or "—"], ["处理理由和依据", f"{ec.decision_no}行政处罚决定；《中华人民共和国行政处罚法》第七十四条"
                        + (f"；{x['basis']}" if x.get("basis") else "")],
                       ["处理结果", x.get("result") or "—"], ["拍卖所得及缴库", proceeds]],
            "table": {"head": ["序号", "物品名称", "规格", "数量", "备注"],
                      "rows": [[i + 1, it.get("name"), (it.get("spec") or ""), it.get("quantity"), (it.get("note") or "")]
                               for i, it in enumerate(m.items or [])]}}


def _agency(session: Session, ec: EnforcementCase) -> str:
    """The agency in whose name the case's documents are issued (the entrusting agency under 委托, APL 20)."""
    if ec.entrustment_id is not None:
        from chengguan.enforcement.procedures import document_fields

        agency = document_fields(session, ec).get("agency")
        if agency:
            return str(agency)
    return str(R.v(session, R.AGENCY))


def _doc_no(session: Session, doc_id: int | None) -> str:
    d = session.get(EnforcementDocument, doc_id) if doc_id else None
    return f"{d.title} {d.doc_no or ''}".strip() if d else "—"


def b_recusal(session: Session, ec: EnforcementCase, x: dict[str, Any]) -> dict[str, Any]:
    """回避决定书 (APL 43): the head's decision on an application (the party's) or declaration (the officer's)."""
    r = session.get(EnforcementRecusal, x["recusal_id"])
    assert r is not None and r.decided_at is not None
    officer = _users(session, [r.officer_id])
    u = session.get(User, r.officer_id)
    by_party = r.source == "party"
    applicant = ec.party_name if by_party else officer
    if r.granted:
        outcome = f"准予{officer}回避，由{_users(session, [r.replacement_id])}接替承办本案"
    else:
        outcome = f"对{officer}的回避{'申请' if by_party else '请求'}不予准许，{officer}继续承办本案"
    return {"addressee": ec.party_name if by_party else (u.display_name if u else officer),
            "fields": [["案由", ec.cause], ["申请人", f"{applicant}（{'当事人申请' if by_party else '执法人员自行申请回避'}）"],
                       ["被申请回避人员", officer], ["申请时间", _dt(r.requested_at)],
                       ["决定结果", "准予回避" if r.granted else "不予回避"],
                       *([["接替承办人员", _users(session, [r.replacement_id])]] if r.granted else [])],
            "paragraphs": [f"{applicant}于{_day(r.requested_at)}以“{r.reason}”为由，申请本案承办人员{officer}回避。",
                           f"经审查，本机关认为：{r.opinion}",
                           f"依据《中华人民共和国行政处罚法》第四十三条的规定，经本机关负责人决定：{outcome}。",
                           "回避决定作出之前，本案调查不停止。"],
            "granted": bool(r.granted), "source": r.source,
            "served_to": ec.party_name if by_party else None,
            "note": ("本决定书送达申请人（当事人），一份存入案卷。" if by_party
                     else "本决定书送达申请回避的执法人员，一份存入案卷。")}


def b_payment_plan(session: Session, ec: EnforcementCase, x: dict[str, Any]) -> dict[str, Any]:
    """暂缓（分期）缴纳罚款决定书 / 不予批准通知书 (APL 66): the head's decision with the schedule."""
    from chengguan.enforcement.procedures import PLAN_KIND_LABELS

    plan = session.get(EnforcementPaymentPlan, x["plan_id"])
    assert plan is not None and plan.decided_at is not None
    kind = PLAN_KIND_LABELS.get(plan.kind, plan.kind)
    rate = Decimal(str(R.v(session, R.LATE_RATE)))
    pct = f"{(rate * 100).normalize():f}%"
    applied = (f"你（单位）于{_day(plan.applied_at)}以“{plan.reason}”为由，申请对{ec.decision_no}行政处罚决定书确定的"
               f"罚款人民币{ec.fine_amount}元{kind}。")
    fields = [["原处罚决定书文号", ec.decision_no or "—"], ["罚款数额", f"人民币{ec.fine_amount}元"],
              ["申请事项", kind], ["申请日期", _day(plan.applied_at)]]
    if plan.status == "refused":
        return {"kind": plan.kind, "approved": False, "fields": fields,
                "paragraphs": [applied, f"经审查，本机关认为：{plan.opinion}",
                               f"依据《中华人民共和国行政处罚法》第六十六条的规定，本机关决定不予批准{kind}。",
                               f"请你（单位）按照原处罚决定，于{_day(ec.payment_due_at)}前将罚款缴至指定银行或者通过电子支付系统缴纳"
                               f"（本机关不收取罚款）。到期不缴纳罚款的，每日按罚款数额的{pct}加处罚款，加处罚款的数额不超过罚款数额。"],
                "remedies": _remedies()}
    rows = [[i["no"], _day(datetime.fromisoformat(i["due_at"])), f"{Decimal(i['amount']):.2f}"] for i in plan.schedule or []]
    return {"kind": plan.kind, "approved": True, "fields": fields,
            "paragraphs": [applied, f"经审查，本机关认为：{plan.opinion}",
                           f"依据《中华人民共和国行政处罚法》第六十六条第二款的规定，本机关决定同意你（单位）{kind}罚款，"
                           "按下表所列期限和金额缴纳："],
            "items_title": "缴纳期限和金额" if plan.kind == "defer" else "分期缴纳计划表",
            "table": {"head": ["期次", "缴纳期限（当日止）", "金额（元）"], "rows": rows},
            "total": f"{ec.fine_amount}",
            "after": [
                "请按上表期限将罚款缴至指定银行或者通过电子支付系统缴纳（本机关不收取罚款），并保存缴款凭证。",
                f"按期缴纳的，不加处罚款。任何一期逾期未缴纳的，{kind}即失效，剩余罚款应当一次缴清，并自逾期之日的次日起"
                f"每日按剩余罚款数额的{pct}加处罚款，加处罚款的数额不超过罚款数额；逾期仍不履行的，本机关将依法申请人民法院强制执行。"]}


BUILDERS: dict[str, Callable[[Session, EnforcementCase, dict[str, Any]], dict[str, Any]]] = {
    "register_approval": b_register, "inspection_record": b_record, "inquiry_record": b_record,
    "statement_record": b_record, "hearing_record": b_record, "correction_order": b_correction,
    "preserve_notice": b_measure, "seizure_decision": b_measure, "handling_approval": b_handling,
    "collective_record": b_collective, "legal_review_opinion": b_review, "prior_notice": b_prior_notice,
    "hearing_rights_notice": b_hearing_rights, "hearing_summons": b_hearing_summons, "penalty_decision": b_decision,
    "summary_decision": b_summary, "no_penalty_decision": b_no_penalty, "service_receipt": b_receipt,
    "demand": b_demand, "transfer_letter": b_transfer, "closure_approval": b_closure, "file_cover": b_cover,
    "hearing_announcement": b_hearing_announcement, "late_fine_decision": b_late_fine,
    "court_application": b_court_application, "disposal_record": b_disposal, "recusal_decision": b_recusal,
    "payment_plan_decision": b_payment_plan, "payment_plan_refusal": b_payment_plan,
}
