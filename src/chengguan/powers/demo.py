"""Demo 权责清单 and 裁量基准 for the demo city.

DEMO DATA — to be replaced by the official list. The legal bases cite real statutes (see
shared/domain/enforcement-law.md §4.2); the codes, the split into tiers and the local fine bands are
illustrative (a real city imports its published 权责清单 and 裁量基准, see docs/enforcement-foundations.md).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengguan.powers import service
from chengguan.powers.models import Power

BODY = "演示市城市管理综合行政执法局"
UNIT = "各区城管执法大队"

PENALTY_STEPS = [
    {"step": "立案责任", "items": "通过巡查、投诉举报、数字城管移交发现违法行为；对正在实施的违法行为责令停止；符合立案条件的及时立案"},
    {"step": "调查取证责任", "items": "指定两名以上持证执法人员调查，出示执法证件，制作笔录，依法收集证据；执法人员与当事人有利害关系的应当回避"},
    {"step": "审查责任", "items": "审查案件事实、证据、程序、法律适用、处罚种类和幅度、当事人陈述申辩理由；符合法定情形的进行法制审核"},
    {"step": "告知责任", "items": "作出处罚决定前告知拟处罚内容及事实、理由、依据，告知陈述、申辩和要求听证的权利"},
    {"step": "决定责任", "items": "依法作出处罚或者不予处罚决定，制作行政处罚决定书，载明违法事实、依据、处罚内容、救济途径"},
    {"step": "送达责任", "items": "行政处罚决定书当场交付或者七个工作日内依法送达"},
    {"step": "执行责任", "items": "督促当事人履行；逾期不履行的依法加处罚款、催告并申请人民法院强制执行"},
    {"step": "其他责任", "items": "法律法规规章规定应履行的其他责任；行政处罚决定依法公示"},
]
ACCOUNTABILITY = (
    "因不履行或不正确履行行政职责，有下列情形的，行政机关及相关工作人员应承担相应责任：1.没有法律和事实依据实施行政处罚的；"
    "2.擅自改变行政处罚种类、幅度的；3.违反法定程序实施行政处罚的；4.违反罚缴分离规定擅自收取罚款的；5.应当立案而不立案的；"
    "6.在执法过程中滥用职权、玩忽职守、徇私舞弊的；7.其他违反法律法规规章规定的行为。"
)
ACCOUNTABILITY_BASIS = "《中华人民共和国行政处罚法》第七十六条至第八十三条；《行政机关公务员处分条例》"

POWERS: list[dict[str, Any]] = [
    {
        "code": "DEMO-CF-0001", "name": "对擅自占用城市道路、公共场地设摊经营的处罚", "power_type": "处罚",
        "sub_item": "占道经营（流动摊点、店外经营）",
        "bases": [
            {"kind": "设定依据", "law": "城市市容和环境卫生管理条例", "article": "第十四条、第三十六条",
             "effective_from": "2017-03-01",
             "text": "未经城市人民政府市容环境卫生行政主管部门批准，擅自在街道两侧和公共场地堆放物料，搭建建筑物、构筑物或者其他设施的，责令停止违法行为，限期清理、拆除或者采取其他补救措施，并可处以罚款。"},
            {"kind": "处罚依据", "law": "上海市市容环境卫生管理条例（示例：地方性法规）", "article": "第二十五条第二款",
             "effective_from": "2018-12-20",
             "text": "擅自占用道路、桥梁、人行天桥、地下通道及其他公共场所设摊经营、兜售物品的，由城管执法部门责令改正，可以处五十元以上五百元以下罚款，并可以暂扣其经营工具和物品。"},
        ],
        "standards": [{
            "actor_type": "any", "title": "占道经营行政处罚裁量基准（演示）", "effective_from": "2024-01-01",
            "statutory_min": "50", "statutory_max": "500", "first_violation_exempt": True,
            "first_violation_window_days": 365,
            "tiers": [
                {"name": "轻微", "conditions": "占道面积2平方米以下，经劝导立即改正", "condition_keys": ["area_le_2m2"],
                 "fine_min": "50", "fine_max": "150"},
                {"name": "一般", "conditions": "占道面积2平方米以上10平方米以下，或经劝导后改正", "is_default": True,
                 "fine_min": "150", "fine_max": "350"},
                {"name": "严重", "conditions": "占道面积10平方米以上，或影响交通、经责令拒不改正",
                 "condition_keys": ["area_gt_10m2"], "fine_min": "350", "fine_max": "500",
                 "other_penalty": "可以暂扣经营工具和物品"},
            ],
        }],
    },
    {
        "code": "DEMO-CF-0002", "name": "对未取得建设工程规划许可证或者未按照许可证规定进行建设的处罚", "power_type": "处罚",
        "sub_item": "违法建设", "level": "district",
        "bases": [
            {"kind": "处罚依据", "law": "中华人民共和国城乡规划法", "article": "第六十四条", "effective_from": "2019-04-23",
             "text": "未取得建设工程规划许可证或者未按照建设工程规划许可证的规定进行建设的，由县级以上地方人民政府城乡规划主管部门责令停止建设；尚可采取改正措施消除对规划实施的影响的，限期改正，处建设工程造价百分之五以上百分之十以下的罚款；无法采取改正措施消除影响的，限期拆除，不能拆除的，没收实物或者违法收入，可以并处建设工程造价百分之十以下的罚款。"},
        ],
        "standards": [{
            "actor_type": "any", "title": "违法建设行政处罚裁量基准（演示，参照建法〔2012〕99号）", "effective_from": "2024-01-01",
            "basis": "住房和城乡建设部《关于规范城乡规划行政处罚裁量权的指导意见》（建法〔2012〕99号）",
            "tiers": [
                {"name": "轻微", "conditions": "尚可采取改正措施消除影响，并在限期内改正", "condition_keys": ["correctable", "corrected_on_time"],
                 "rate_min": "5", "rate_max": "5", "rate_of": "建设工程造价", "other_penalty": "限期改正"},
                {"name": "一般", "conditions": "尚可采取改正措施消除影响", "is_default": True, "condition_keys": ["correctable"],
                 "rate_min": "5", "rate_max": "8", "rate_of": "建设工程造价", "other_penalty": "限期改正"},
                {"name": "严重", "conditions": "逾期未改正，或无法采取改正措施且逾期未拆除", "condition_keys": ["not_corrected_on_time"],
                 "rate_min": "10", "rate_max": "10", "rate_of": "建设工程造价", "other_penalty": "限期拆除；不能拆除的没收实物或者违法收入"},
            ],
        }],
    },
    {
        "code": "DEMO-CF-0003", "name": "对在城市建筑物、设施以及树木上涂写、刻画或者未经批准张挂、张贴宣传品的处罚",
        "power_type": "处罚", "sub_item": "乱贴乱画（小广告）",
        "bases": [
            {"kind": "设定依据", "law": "城市市容和环境卫生管理条例", "article": "第十七条、第三十四条第（二）项",
             "effective_from": "2017-03-01",
             "text": "在城市建筑物、设施以及树木上涂写、刻画或者未经批准张挂、张贴宣传品等的，责令其纠正违法行为、采取补救措施，可以并处警告、罚款。"},
            {"kind": "处罚依据", "law": "上海市市容环境卫生管理条例（示例：地方性法规）", "article": "第二十四条",
             "effective_from": "2018-12-20",
             "text": "擅自张贴、悬挂宣传品的，责令清除；拒不清除的，代为清除，所需费用由违法行为人承担，并处五十元以上五百元以下罚款；利用或者组织张贴的，处一万元以上十万元以下罚款。"},
        ],
        "standards": [
            {"actor_type": "person", "title": "乱贴乱画行政处罚裁量基准·个人（演示）", "effective_from": "2024-01-01",
             "statutory_min": "50", "statutory_max": "500", "first_violation_exempt": True,
             "tiers": [
                 {"name": "轻微", "conditions": "张贴、涂写10处以下并自行清除", "condition_keys": ["count_le_10"],
                  "fine_min": "50", "fine_max": "100"},
                 {"name": "一般", "conditions": "张贴、涂写10处以上50处以下", "is_default": True, "fine_min": "100", "fine_max": "300"},
                 {"name": "严重", "conditions": "张贴、涂写50处以上，或拒不清除", "condition_keys": ["count_gt_50"],
                  "fine_min": "300", "fine_max": "500"},
             ]},
            {"actor_type": "org", "title": "乱贴乱画行政处罚裁量基准·利用或组织张贴的单位（演示）",
             "effective_from": "2024-01-01", "statutory_min": "10000", "statutory_max": "100000",
             "tiers": [
                 {"name": "轻微", "conditions": "组织张贴100处以下", "fine_min": "10000", "fine_max": "30000"},
                 {"name": "一般", "conditions": "组织张贴100处以上500处以下", "is_default": True, "fine_min": "30000", "fine_max": "70000"},
                 {"name": "严重", "conditions": "组织张贴500处以上或造成恶劣影响", "condition_keys": ["count_gt_500"],
                  "fine_min": "70000", "fine_max": "100000"},
             ]},
        ],
    },
    {
        "code": "DEMO-CF-0004", "name": "对随意倾倒、抛撒或者堆放建筑垃圾（渣土）的处罚", "power_type": "处罚",
        "sub_item": "渣土运输、建筑垃圾处置",
        "bases": [
            {"kind": "处罚依据", "law": "城市建筑垃圾管理规定（建设部令第139号）", "article": "第二十六条",
             "effective_from": "2005-06-01",
             "text": "任何单位和个人随意倾倒、抛撒或者堆放建筑垃圾的，由城市人民政府市容环境卫生主管部门责令限期改正，给予警告，并对单位处5000元以上5万元以下罚款，对个人处200元以下罚款。"},
        ],
        "standards": [
            {"actor_type": "org", "title": "建筑垃圾（渣土）处置行政处罚裁量基准·单位（演示）", "effective_from": "2024-01-01",
             "statutory_min": "5000", "statutory_max": "50000",
             "aggravating": {"media_exposure": "被新闻媒体曝光造成不良影响"},
             "tiers": [
                 {"name": "轻微", "conditions": "倾倒、抛撒量较小，及时清理", "fine_min": "5000", "fine_max": "20000",
                  "other_penalty": "警告"},
                 {"name": "一般", "conditions": "倾倒、抛撒影响市容，经责令后清理", "is_default": True,
                  "fine_min": "20000", "fine_max": "40000", "other_penalty": "警告"},
                 {"name": "严重", "conditions": "拒不改正或被新闻媒体曝光", "condition_keys": ["refused"],
                  "fine_min": "40000", "fine_max": "50000", "other_penalty": "警告"},
             ]},
            {"actor_type": "person", "title": "建筑垃圾（渣土）处置行政处罚裁量基准·个人（演示）", "effective_from": "2024-01-01",
             "statutory_min": "0", "statutory_max": "200",
             "tiers": [
                 {"name": "轻微", "conditions": "少量倾倒并及时清理", "fine_min": "0", "fine_max": "50", "other_penalty": "警告"},
                 {"name": "一般", "conditions": "倾倒影响市容", "is_default": True, "fine_min": "50", "fine_max": "150", "other_penalty": "警告"},
                 {"name": "严重", "conditions": "拒不清理", "condition_keys": ["refused"], "fine_min": "150", "fine_max": "200", "other_penalty": "警告"},
             ]},
        ],
    },
    {
        "code": "DEMO-CF-0005", "name": "对未经批准擅自设置大型户外广告的处罚", "power_type": "处罚",
        "sub_item": "户外广告",
        "bases": [
            {"kind": "设定依据", "law": "城市市容和环境卫生管理条例", "article": "第十一条、第三十六条第（一）项",
             "effective_from": "2017-03-01",
             "text": "未经城市人民政府市容环境卫生行政主管部门同意，擅自设置大型户外广告，影响市容的，责令停止违法行为，限期清理、拆除或者采取其他补救措施，并可处以罚款。"},
            {"kind": "处罚依据", "law": "上海市市容环境卫生管理条例（示例：地方性法规）", "article": "第二十条",
             "effective_from": "2018-12-20",
             "text": "未经许可或者未按照许可要求设置户外广告设施的，责令限期改正或者拆除；逾期不改正或者不拆除的，强制拆除，并处五千元以上五万元以下罚款。"},
        ],
        "standards": [{
            "actor_type": "any", "title": "户外广告设施行政处罚裁量基准（演示）", "effective_from": "2024-01-01",
            "statutory_min": "5000", "statutory_max": "50000",
            "tiers": [
                {"name": "轻微", "conditions": "广告面积10平方米以下", "condition_keys": ["area_le_10m2"],
                 "fine_min": "5000", "fine_max": "20000"},
                {"name": "一般", "conditions": "广告面积10平方米以上50平方米以下", "is_default": True,
                 "fine_min": "20000", "fine_max": "35000"},
                {"name": "严重", "conditions": "广告面积50平方米以上，或存在安全隐患", "condition_keys": ["area_gt_50m2"],
                 "fine_min": "35000", "fine_max": "50000"},
            ],
        }],
    },
    {
        "code": "DEMO-QZ-0001", "name": "对擅自设摊经营的经营工具和物品的暂扣", "power_type": "强制",
        "sub_item": "暂扣经营工具和物品",
        "bases": [
            {"kind": "实施依据", "law": "中华人民共和国行政强制法", "article": "第九条、第十八条、第二十四条、第二十五条",
             "effective_from": "2012-01-01"},
            {"kind": "设定依据", "law": "上海市市容环境卫生管理条例（示例：地方性法规）", "article": "第二十五条第二款",
             "effective_from": "2018-12-20"},
        ],
        "responsibilities": [
            {"step": "审批责任", "items": "实施前向行政机关负责人报告并经批准；情况紧急当场实施的，24小时内报告并补办批准手续"},
            {"step": "实施责任", "items": "两名以上执法人员实施，出示执法证件，制作现场笔录和查封扣押决定书及清单"},
            {"step": "处理责任", "items": "期限不超过30日，经批准可延长30日；及时作出处理决定，妥善保管扣押物品"},
        ],
    },
    {
        "code": "DEMO-JC-0001", "name": "对市容环境卫生责任区的监督检查", "power_type": "检查", "sub_item": None,
        "bases": [
            {"kind": "实施依据", "law": "城市市容和环境卫生管理条例", "article": "第四条、第三十二条",
             "effective_from": "2017-03-01"},
        ],
        "responsibilities": [
            {"step": "检查责任", "items": "按照“双随机、一公开”要求实施检查，两名以上执法人员出示证件"},
            {"step": "处置责任", "items": "发现违法行为依法责令改正或立案查处，检查结果依法公开"},
        ],
    },
]


def load(session: Session, ctx: Any = None) -> None:
    """Demo powers and standards (idempotent: skipped if the codes exist)."""
    for spec in POWERS:
        if session.scalar(select(Power.id).where(Power.code == spec["code"])) is not None:
            continue
        values = {k: v for k, v in spec.items() if k not in ("bases", "standards")}
        values.setdefault("body", BODY)
        values.setdefault("handling_unit", UNIT)
        values.setdefault("level", "district")
        if values["power_type"] == "处罚":
            values.setdefault("responsibilities", PENALTY_STEPS)
        values.setdefault("accountability", ACCOUNTABILITY)
        values.setdefault("accountability_basis", ACCOUNTABILITY_BASIS)
        values.setdefault("contact", "12319")
        values["is_demo"] = True
        values["note"] = "演示数据：须以本地政府公布的权责清单替换"
        service.create_power(session, values, spec.get("bases", []))
        for std in spec.get("standards", []):
            service.create_standard(session, spec["code"], {**std, "is_demo": True})
