"""Demo enforcement cases: an ordinary case awaiting the party's statement, a decided and published penalty
(shown on /public/decisions), a summary (当场处罚) case — all through the service, so the full record, the
documents and the audit chain are real. Runs after the workforce demo (certificates) and the powers demo."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from chengguan.accounts import service as accounts
from chengguan.core import clock
from chengguan.enforcement import service


def load(session: Session, ctx: Any) -> dict[str, int]:
    users = ctx.users
    if not all(k in users for k in ("officer1", "officer2", "leader1")):
        return {"cases": 0}
    o1, o2, lead = (accounts.principal_for(users[k]) for k in ("officer1", "officer2", "leader1"))
    c = ctx.city.center
    lon, lat = float(getattr(c, "lon", c[0])), float(getattr(c, "lat", c[1]))
    now = clock.now()
    made = 0
    from sqlalchemy import select

    from chengguan.enforcement.models import EnforcementDocument

    def lead_case(name: str, id_no: str, cause: str, fine: str, days_ago: int) -> int:
        ec = service.create_lead(session, o1, service.LeadInput(
            source="patrol", cause=cause, party_name=name, party_type="person", party_id_no=id_no,
            party_address="海门区解放中路", facts=f"{cause}（巡查发现）", power_code="DEMO-CF-0001", lon=lon, lat=lat,
            occurred_at=now - timedelta(days=days_ago + 1), address="海门区解放中路"), at=now - timedelta(days=days_ago))
        at = now - timedelta(days=days_ago) + timedelta(hours=1)
        service.register(session, lead, ec.id, lead_officer_id=o1.user_id, assist_officer_id=o2.user_id, at=at)
        two = [o1.user_id, o2.user_id]
        service.add_record(session, o1, ec.id, kind="inspection", content=f"现场检查：{cause}，占用人行道约5平方米。",
                           officer_ids=two, party_signed=True, place="解放中路", at=at)
        service.add_evidence(session, o1, ec.id, kind="inspection_record", title="现场检查笔录", file_id=None,
                             officer_ids=two, at=at)
        service.end_investigation(session, o1, ec.id, outcome="penalty", facts=f"当事人{cause}，占用人行道约5平方米",
                                  legal_basis="《城市市容和环境卫生管理条例》第十四条、第三十六条", penalty_types=["fine"],
                                  fine_amount=fine, correction_order="立即停止占道经营，清理占用的道路", at=at)
        service.approve_handling(session, lead, ec.id, opinion="同意", at=at)
        service.notify(session, o1, ec.id, at=at)
        return ec.id

    lead_case("周海涛", "32068419880512001X", "擅自占用人行道设摊经营", "200", 1)
    made += 1
    cid = lead_case("陈建国", "320684197703150010", "擅自占用人行道设摊经营", "300", 12)
    at = now - timedelta(days=11)
    service.waive_rights(session, o1, cid, note="当事人书面声明放弃陈述申辩", at=at)
    ec = service.decide(session, lead, cid, opinion="同意", at=at)
    doc_id = session.scalar(select(EnforcementDocument.id).where(EnforcementDocument.case_id == cid,
                                                                 EnforcementDocument.doc_type == "penalty_decision"))
    assert doc_id is not None  # decide() issued the decision
    service.serve(session, o1, cid, document_id=doc_id, method="direct", recipient=ec.party_name,
                  signed_by=ec.party_name, at=at)
    service.publish(session, o1, cid, at=at + timedelta(days=1))
    made += 1
    service.summary_case(session, o1, service.SummaryInput(
        cause="占道经营", party_name="刘小兵", party_type="person", penalty_types=["fine"], fine_amount="50",
        legal_basis="《城市市容和环境卫生管理条例》第三十六条", facts="在人行道上摆摊经营，经劝导未改正",
        officer_ids=[o1.user_id, o2.user_id], lon=lon, lat=lat, cash=True, device_id="BODYCAM-DEMO-01"),
        at=now - timedelta(hours=3))
    made += 1
    return {"cases": made}
