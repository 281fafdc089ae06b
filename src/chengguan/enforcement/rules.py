"""The configurable numbers of the procedure (settings with documented defaults) and the deadline arithmetic
on the one working-time calendar. ``verified=True`` marks values the reference verified in the statute."""

from __future__ import annotations

import calendar as _calendar
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any, cast

from sqlalchemy.orm import Session

from chengguan.core import clock
from chengguan.system import settings as cfg
from chengguan.worktime import service as worktime

G = "行政执法"

AGENCY = cfg.define("enforcement.agency_name", "海门区城市管理局", "作出行政处罚的执法机关名称（文书落款）。", G)
DOC_PREFIX = cfg.define("enforcement.doc_prefix", "海城管", "执法文书文号的机关代字，如“海城管罚决字〔2026〕第1号”。", G)
SUMMARY_PERSON = cfg.define("enforcement.summary_max_fine_person", 200,
                            "简易程序（当场处罚）对公民的罚款上限，元（行政处罚法第51条）。", G, verified=True)
SUMMARY_ORG = cfg.define("enforcement.summary_max_fine_org", 3000,
                         "简易程序（当场处罚）对法人或其他组织的罚款上限，元（第51条）。", G, verified=True)
CASH_MAX = cfg.define("enforcement.cash_max_fine", 100,
                      "当场收缴罚款的金额上限，元（第68条；不当场收缴事后难以执行的除外）。", G, verified=True)
CASH_HAND_IN = cfg.define("enforcement.cash_hand_in_work_days", 2,
                          "当场收缴的罚款交至行政机关的期限，工作日（第71条）。", G, verified=True)
MIN_OFFICERS = cfg.define("enforcement.min_officers", 2, "调查、检查、强制措施等执法活动的最少持证执法人员数（第42条）。",
                          G, verified=True)
SUMMARY_OFFICERS = cfg.define("enforcement.summary_min_officers", 2,
                              "当场处罚的最少持证执法人员数（第42条要求不少于两人，法律另有规定的除外）。", G)
REGISTER_DAYS = cfg.define("enforcement.register_work_days", 10,
                           "线索核查后决定是否立案的期限，工作日（法律未规定，参照部门规定，可配置）。", G)
LIMIT_YEARS = cfg.define("enforcement.limitation_years", 2, "追责时效，年（第36条）。", G, verified=True)
LIMIT_YEARS_HARM = cfg.define("enforcement.limitation_years_harm", 5,
                              "涉及公民生命健康安全、金融安全且有危害后果的追责时效，年（第36条）。", G, verified=True)
PRESERVE_DAYS = cfg.define("enforcement.preserve_decide_work_days", 7,
                           "先行登记保存后作出处理决定的期限，工作日（第56条）。", G, verified=True)
SEIZE_DAYS = cfg.define("enforcement.seizure_max_days", 30, "查封、扣押期限上限，日（行政强制法第25条）。", G, verified=True)
SEIZE_EXT = cfg.define("enforcement.seizure_extension_days", 30, "查封、扣押经批准可延长一次的天数上限（第25条）。", G,
                       verified=True)
STATEMENT_DAYS = cfg.define("enforcement.statement_work_days", 3,
                            "事先告知后当事人陈述、申辩的期限，工作日（法律未规定，各地常见3–5个工作日）。", G)
HEARING_REQUEST = cfg.define("enforcement.hearing_request_work_days", 5, "当事人要求听证的期限，工作日（第64条）。", G,
                             verified=True)
HEARING_NOTICE = cfg.define("enforcement.hearing_notice_work_days", 7, "听证通知至迟在听证前的工作日数（第64条）。", G,
                            verified=True)
HEARING_PERSON = cfg.define("enforcement.hearing_threshold_person", 1000,
                            "“较大数额罚款”（应告知听证权）对公民的标准，元（由省级规定，默认值参照甘肃临泽）。", G)
HEARING_ORG = cfg.define("enforcement.hearing_threshold_org", 30000,
                         "“较大数额罚款”对法人或其他组织的标准，元（由省级规定）。", G)
HEAVY_TYPES = cfg.define("enforcement.hearing_penalty_types",
                         ["downgrade", "revoke_licence", "suspend_business", "close", "bar", "confiscation_large"],
                         "无论金额均应告知听证权的处罚种类（第63条）。", G, verified=True)
DECISION_DAYS = cfg.define("enforcement.decision_days", 90, "自立案之日起作出处罚决定的期限，日（第60条）。", G,
                           verified=True)
DECISION_EXT = cfg.define("enforcement.decision_extensions", [30],
                          "经批准可延长决定期限的次数与天数，如 [30] 为可延长一次30日（依部门规章，可配置）。", G)
REVIEW_ALL = cfg.define("enforcement.review_all_ordinary", False,
                        "普通程序案件是否一律经法制审核（如青岛规定）；否则仅第58条情形。", G)
COLLECTIVE_MIN = cfg.define("enforcement.collective_min_participants", 3, "集体讨论的最少参加负责人数。", G)
SERVE_DAYS = cfg.define("enforcement.service_work_days", 7, "当事人不在场时送达处罚决定书的期限，工作日（第61条）。", G,
                        verified=True)
NOTICE_DAYS = cfg.define("enforcement.public_notice_days", 30, "公告送达视为送达的天数（民事诉讼法第95条；上海条例为60日）。",
                         G, verified=True)
PAY_DAYS = cfg.define("enforcement.payment_days", 15, "自收到处罚决定书之日起缴纳罚款的期限，日（第67条）。", G,
                      verified=True)
LATE_RATE = cfg.define("enforcement.late_fine_rate", 0.03, "加处罚款的日比例（第72条，总额不超过罚款数额）。", G,
                       verified=True)
DEMAND_WAIT = cfg.define("enforcement.demand_wait_work_days", 10,
                         "催告书送达后可申请法院强制执行的等待期，工作日（行政强制法第54条）。", G, verified=True)
LITIGATION_MONTHS = cfg.define("enforcement.litigation_months", 6, "当事人提起行政诉讼的期限，月（行政诉讼法第46条）。", G,
                               verified=True)
COURT_MONTHS = cfg.define("enforcement.court_application_months", 3,
                          "诉讼期限届满后申请法院强制执行的期限，月（行政强制法第53条）。", G, verified=True)
PUBLISH_DAYS = cfg.define("enforcement.publish_work_days", 7, "处罚决定公示期限，工作日（国办发〔2018〕118号）。", G,
                          verified=True)
WITHDRAW_DAYS = cfg.define("enforcement.withdraw_work_days", 3, "决定变更、撤销后撤回公示信息的期限，工作日（第48条）。", G,
                           verified=True)
DISCLOSURE_MONTHS = cfg.define("enforcement.disclosure_months", 36,
                               "处罚信息在信用网站的公示期，月（一般失信行为各地不同，默认3年）。", G)
XFER_DECIDE = cfg.define("enforcement.police_decide_days", 3, "移送涉嫌犯罪案件：负责人审批期限，日（国务院令第310号第5条）。",
                         G, verified=True)
XFER_SEND_HOURS = cfg.define("enforcement.police_send_hours", 24, "批准后向公安机关移送的期限，小时（第5条）。", G,
                             verified=True)
XFER_REPLY = cfg.define("enforcement.police_reply_days", 3, "公安机关审查并书面告知是否立案的期限，日（第8条）。", G,
                        verified=True)
XFER_RECONSIDER = cfg.define("enforcement.police_reconsider_days", 3, "不予立案后提请复议的期限，日（第9条）。", G,
                             verified=True)
XFER_HANDOVER = cfg.define("enforcement.police_handover_days", 3, "公安立案后移交涉案物品和材料的期限，日（第12条）。", G,
                           verified=True)
RECUSAL_DAYS = cfg.define("enforcement.recusal_decide_work_days", 3,
                          "回避申请由行政机关负责人决定的期限，工作日（行政处罚法第43条未规定期限，参照各地规定，可配置）。", G)
PLAN_DECIDE_DAYS = cfg.define("enforcement.payment_plan_decide_work_days", 5,
                              "暂缓或分期缴纳罚款申请的审批期限，工作日（第66条未规定期限，可配置）。", G)
PLAN_MAX_MONTHS = cfg.define("enforcement.payment_plan_max_months", 6,
                             "暂缓或分期缴纳的最长期限，月，自批准之日起算至最后一期（法律未规定，各地规定不一，可配置）。", G)
INSTALMENTS_MAX = cfg.define("enforcement.instalments_max", 6, "分期缴纳罚款的最多期数（法律未规定，可配置）。", G)
AUX_SERVE = cfg.define("enforcement.auxiliary_may_serve", True, "协管员可否在执法人员指挥下送达文书（浙江条例第30条）。", G)


def v(session: Session, d: cfg.SettingDef) -> object:
    return cfg.value(session, d.key)


def num(session: Session, d: cfg.SettingDef) -> Decimal:
    return Decimal(str(cfg.value(session, d.key)))


def end_of_local_day(at: datetime) -> datetime:
    loc = clock.local(at)
    return datetime.combine(loc.date(), time(23, 59, 59), tzinfo=loc.tzinfo).astimezone(at.tzinfo)


def work_days(session: Session, start: datetime, n: object) -> datetime:
    """End of the n-th working day after ``start`` (APL art 85: 二日、三日、五日、七日 are working days); ``n`` as
    a setting holds it (a number)."""
    return end_of_local_day(worktime.add(session, start, float(cast(Any, n)), "work_day"))


def days(start: datetime, n: int) -> datetime:
    """End of the n-th calendar day after ``start`` (15 日, 30 日, 90 日)."""
    return end_of_local_day(start + timedelta(days=int(n)))


def months(start: datetime, n: int) -> datetime:
    loc = clock.local(start)
    m = loc.month - 1 + int(n)
    y, m = loc.year + m // 12, m % 12 + 1
    d = min(loc.day, _calendar.monthrange(y, m)[1])
    return end_of_local_day(loc.replace(year=y, month=m, day=d).astimezone(start.tzinfo))


def years_before(at: datetime, n: int) -> datetime:
    loc = clock.local(at)
    try:
        back = loc.replace(year=loc.year - int(n))
    except ValueError:  # 29 Feb
        back = loc.replace(year=loc.year - int(n), day=28)
    return back.astimezone(at.tzinfo)
