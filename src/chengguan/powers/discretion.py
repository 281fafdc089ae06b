"""裁量基准 selection: ``choose_discretion`` (the decision stores the standard id + version it returns).

Order of the rules ([APL] arts 30–34):
1. No penalty: under 14 (art 30); cannot recognise or control own conduct (art 31); proven no fault
   (art 33 para 2); minor + corrected in time + no harm (art 33 para 1, "shall not"); 首违不罚 — first
   violation, slight or no harm, corrected in time, and the standard enables it (art 33 para 1, "may").
   Every no-penalty outcome requires an education record (art 33 para 3).
2. Base tier: the officer's named tier, else the tier whose ``condition_keys`` are all among the
   facts' flags (the most specific such tier — most keys —, then the heaviest), else the default tier.
3. Aggravating circumstances (any) move one tier up; repetition (the party's prior violations of this
   power within the standard's window ≥ its threshold, counted from the credit history) is one of them.
   Mitigating circumstances (any of art 30 age 14–17, art 31 partial capacity, art 32 (1)–(5)) move
   one tier down. Both: they cancel. Below the lightest tier (减轻) is not automatic: the outcome says
   so and flags legal review.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from chengguan.core.errors import Invalid, NotFound
from chengguan.powers.models import DiscretionStandard, DiscretionTier, Power, PowerBasis

# Built-in aggravating circumstances (a standard may add its own in ``aggravating``).
AGGRAVATING: dict[str, str] = {
    "repeat": "一年内多次实施同一违法行为",
    "refuse_correction": "拒不改正或逾期不改正",
    "obstruct": "妨碍、阻挠或抗拒执法检查，隐匿、销毁证据",
    "serious_harm": "造成严重后果或恶劣社会影响",
    "multiple_norms": "一个违法行为同时违反多项规定",
    "coerce_others": "胁迫、诱骗、教唆他人实施违法行为",
    "emergency": "在突发事件应对期间实施违法行为",
}
# Mitigating circumstances of the Administrative Penalty Law (key → (label, article)).
MITIGATING: dict[str, tuple[str, str]] = {
    "age_14_18": ("已满十四周岁不满十八周岁", "行政处罚法第三十条"),
    "partial_capacity": ("尚未完全丧失辨认或者控制自己行为能力的精神病人、智力残疾人", "行政处罚法第三十一条"),
    "removed_harm": ("主动消除或者减轻违法行为危害后果", "行政处罚法第三十二条第（一）项"),
    "coerced": ("受他人胁迫或者诱骗实施违法行为", "行政处罚法第三十二条第（二）项"),
    "confessed": ("主动供述行政机关尚未掌握的违法行为", "行政处罚法第三十二条第（三）项"),
    "meritorious": ("配合行政机关查处违法行为有立功表现", "行政处罚法第三十二条第（四）项"),
    "other_legal": ("法律、法规、规章规定其他应当从轻或者减轻行政处罚的", "行政处罚法第三十二条第（五）项"),
}
HARMS = ("none", "slight", "some", "serious")
CAPACITIES = ("full", "partial", "none")


@dataclass(frozen=True)
class DiscretionFacts:
    party_type: str = "person"  # person / org (selects the standard's actor type)
    party_id: int | None = None  # repetition and 首违 are counted from this party's credit history
    flags: frozenset[str] = frozenset()  # condition keys established (select the base tier)
    base_tier: str | None = None  # the tier named by the officer (overrides flags)
    aggravating: frozenset[str] = frozenset()
    mitigating: frozenset[str] = frozenset()
    age: int | None = None  # persons
    capacity: str = "full"  # full / partial / none ([APL] art 31)
    minor_violation: bool = False  # 违法行为轻微
    corrected_in_time: bool = False  # 及时改正
    harm: str = "none"  # 危害后果: none / slight / some / serious
    no_fault: bool = False  # 有证据足以证明没有主观过错 ([APL] art 33 para 2)
    # Without a party_id: what is known of the party's record (None = unknown).
    prior_violations: int | None = None
    first_violation: bool | None = None


@dataclass
class DiscretionOutcome:
    power_code: str
    standard_id: int
    standard_version: int
    tier: str  # tier name, or 不予处罚
    tier_rank: int | None
    base_tier: str | None
    fine_min: Decimal | None
    fine_max: Decimal | None
    no_penalty: bool
    education_required: bool
    requires_legal_review: bool
    reasons: list[str] = field(default_factory=list)
    applied: list[dict[str, Any]] = field(default_factory=list)  # [{kind, key, label, article?}]
    other_penalty: str | None = None
    rate_min: Decimal | None = None  # percent of ``rate_of`` (e.g. 建设工程造价), when the standard sets rates
    rate_max: Decimal | None = None
    rate_of: str | None = None
    prior_violations: int | None = None
    legal_basis: list[dict[str, Any]] = field(default_factory=list)

    @property
    def standard_ref(self) -> str:
        return f"{self.standard_id}@{self.standard_version}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "power_code": self.power_code, "standard_id": self.standard_id,
            "standard_version": self.standard_version, "standard_ref": self.standard_ref, "tier": self.tier,
            "tier_rank": self.tier_rank, "base_tier": self.base_tier,
            "fine_min": None if self.fine_min is None else str(self.fine_min),
            "fine_max": None if self.fine_max is None else str(self.fine_max),
            "no_penalty": self.no_penalty, "education_required": self.education_required,
            "requires_legal_review": self.requires_legal_review, "reasons": self.reasons,
            "applied": self.applied, "other_penalty": self.other_penalty,
            "rate_min": None if self.rate_min is None else str(self.rate_min),
            "rate_max": None if self.rate_max is None else str(self.rate_max), "rate_of": self.rate_of,
            "prior_violations": self.prior_violations, "legal_basis": self.legal_basis,
        }


def power_by_code(session: Session, code: str) -> Power:
    p = session.scalar(select(Power).where(Power.code == code))
    if p is None:
        raise NotFound(f"权责清单中没有事项 {code}", code="power_not_found")
    return p


def bases_at(power: Power, at: date) -> list[PowerBasis]:
    return [b for b in power.bases if b.effective_from <= at and (b.effective_to is None or b.effective_to >= at)]


def standard_at(session: Session, power: Power, party_type: str, at: date) -> DiscretionStandard:
    rows = list(session.scalars(
        select(DiscretionStandard)
        .where(DiscretionStandard.power_id == power.id, DiscretionStandard.actor_type.in_((party_type, "any")),
               DiscretionStandard.effective_from <= at,
               or_(DiscretionStandard.effective_to.is_(None), DiscretionStandard.effective_to >= at))))
    if not rows:
        raise NotFound(f"事项 {power.code} 在 {at.isoformat()} 没有有效的裁量基准", code="no_discretion_standard")
    rows.sort(key=lambda s: (s.actor_type == party_type, s.effective_from, s.version), reverse=True)
    return rows[0]


def _money(v: Decimal | None) -> str:
    if v is None:
        return "—"
    return f"{v:,.2f}".rstrip("0").rstrip(".") + "元"


def _validate(facts: DiscretionFacts, std: DiscretionStandard) -> None:
    if facts.party_type not in ("person", "org"):
        raise Invalid("party_type 应为 person 或 org", code="bad_party_type")
    if facts.harm not in HARMS:
        raise Invalid(f"harm 应为 {'/'.join(HARMS)}", code="bad_harm")
    if facts.capacity not in CAPACITIES:
        raise Invalid(f"capacity 应为 {'/'.join(CAPACITIES)}", code="bad_capacity")
    if facts.age is not None and not (0 <= facts.age <= 150):
        raise Invalid("age 无效", code="bad_age")
    known_agg = set(AGGRAVATING) | set(std.aggravating or {})
    bad = sorted(set(facts.aggravating) - known_agg)
    if bad:
        raise Invalid(f"未知的从重情节：{bad}", code="bad_aggravating", details={"allowed": sorted(known_agg)})
    bad = sorted(set(facts.mitigating) - set(MITIGATING))
    if bad:
        raise Invalid(f"未知的从轻减轻情节：{bad}", code="bad_mitigating", details={"allowed": sorted(MITIGATING)})
    if facts.prior_violations is not None and facts.prior_violations < 0:
        raise Invalid("prior_violations 不能为负", code="bad_prior")


def _count(session: Session, party_id: int, power_code: str, since: date | None, until: date) -> int:
    from chengguan.parties import service as parties

    return parties.violations_within(session, party_id, power_code, since or date(1900, 1, 1), until)


def choose_discretion(  # noqa: C901  (the rules read top to bottom, as in the module docstring)
        session: Session, power_code: str, *, facts: DiscretionFacts, at: date) -> DiscretionOutcome:
    """Pick the tier and fine range for a violation of ``power_code`` committed / decided at ``at``."""
    power = power_by_code(session, power_code)
    std = standard_at(session, power, facts.party_type, at)
    _validate(facts, std)
    tiers: list[DiscretionTier] = sorted(std.tiers, key=lambda t: t.rank)
    if not tiers:
        raise Invalid(f"裁量基准 {std.id}@{std.version} 没有阶次", code="empty_standard")
    basis = [{"kind": b.kind, "law": b.law, "article": b.article, "version": b.version,
              "effective_from": b.effective_from.isoformat()} for b in bases_at(power, at)]
    out = DiscretionOutcome(power_code=power.code, standard_id=std.id, standard_version=std.version, tier="",
                            tier_rank=None, base_tier=None, fine_min=None, fine_max=None, no_penalty=False,
                            education_required=False, requires_legal_review=False, legal_basis=basis)
    out.reasons.append(f"适用裁量基准《{std.title}》第{std.version}版（{std.effective_from.isoformat()}起施行）")

    # Repetition / first violation from the credit history.
    prior_window: int | None = facts.prior_violations
    first: bool | None = facts.first_violation
    if facts.party_id is not None:
        prior_window = _count(session, facts.party_id, power.code, at - timedelta(days=std.repeat_window_days),
                              at - timedelta(days=0))
        fv_since = None if std.first_violation_window_days is None else at - timedelta(days=std.first_violation_window_days)
        first = _count(session, facts.party_id, power.code, fv_since, at) == 0
    elif first is None and facts.prior_violations == 0 and std.first_violation_window_days is not None \
            and std.first_violation_window_days <= std.repeat_window_days:
        first = True
    out.prior_violations = prior_window

    def no_penalty(reason: str, key: str, article: str) -> DiscretionOutcome:
        out.no_penalty = True
        out.education_required = True
        out.tier = "不予处罚"
        out.fine_min = out.fine_max = Decimal("0")
        out.applied.append({"kind": "no_penalty", "key": key, "label": reason, "article": article})
        out.reasons.append(f"{reason}，依据{article}不予行政处罚；应当对当事人进行教育并记录（第三十三条第三款）")
        return out

    if facts.party_type == "person" and facts.age is not None and facts.age < 14:
        out.reasons.append("违法时不满十四周岁，责令监护人加以管教")
        return no_penalty("不满十四周岁", "under_14", "行政处罚法第三十条")
    if facts.capacity == "none":
        return no_penalty("精神病人、智力残疾人在不能辨认或者不能控制自己行为时有违法行为",
                          "no_capacity", "行政处罚法第三十一条")
    if facts.no_fault:
        return no_penalty("当事人有证据足以证明没有主观过错", "no_fault", "行政处罚法第三十三条第二款")
    if facts.minor_violation and facts.corrected_in_time and facts.harm == "none":
        return no_penalty("违法行为轻微并及时改正，没有造成危害后果", "minor_corrected", "行政处罚法第三十三条第一款")
    if std.first_violation_exempt:
        if first and facts.harm in ("none", "slight") and facts.corrected_in_time:
            return no_penalty("初次违法且危害后果轻微并及时改正（首违不罚）", "first_violation",
                              "行政处罚法第三十三条第一款")
        if first is None and facts.corrected_in_time and facts.harm in ("none", "slight"):
            out.reasons.append("无法确认是否初次违法（未关联当事人记录），不适用首违不罚")
    elif first and facts.corrected_in_time and facts.harm in ("none", "slight"):
        out.reasons.append("本事项未列入首违不罚清单")

    # Base tier.
    base: DiscretionTier | None = None
    if facts.base_tier:
        base = next((t for t in tiers if t.name == facts.base_tier), None)
        if base is None:
            raise Invalid(f"裁量基准中没有阶次“{facts.base_tier}”", code="bad_tier",
                          details={"allowed": [t.name for t in tiers]})
        out.reasons.append(f"执法人员认定的基础阶次：{base.name}（{base.conditions}）")
    else:
        matching = [t for t in tiers if t.condition_keys and set(t.condition_keys) <= set(facts.flags)]
        if matching:
            base = max(matching, key=lambda t: (len(t.condition_keys), t.rank))
            out.reasons.append(f"符合“{base.name}”阶次条件：{base.conditions}")
        else:
            base = next((t for t in tiers if t.is_default), tiers[len(tiers) // 2])
            out.reasons.append(f"未符合特定阶次条件，适用默认阶次：{base.name}（{base.conditions}）")
    out.base_tier = base.name

    # Aggravating.
    agg_labels = {**AGGRAVATING, **(std.aggravating or {})}
    agg = [k for k in sorted(facts.aggravating) if k != "repeat"]
    if "repeat" in facts.aggravating and facts.party_id is None:
        agg.append("repeat")  # asserted by the officer (no party record to count from)
    if prior_window is not None and prior_window >= std.repeat_threshold and "repeat" not in agg:
        agg.append("repeat")
    for k in agg:
        label = agg_labels[k]
        if k == "repeat" and prior_window is not None:
            label = f"{std.repeat_window_days}日内已有{prior_window}次同类违法记录（达到{std.repeat_threshold}次）"
        out.applied.append({"kind": "aggravating", "key": k, "label": label})
    # Mitigating.
    mit = sorted(facts.mitigating)
    if facts.party_type == "person" and facts.age is not None and 14 <= facts.age < 18 and "age_14_18" not in mit:
        mit.append("age_14_18")
    if facts.capacity == "partial" and "partial_capacity" not in mit:
        mit.append("partial_capacity")
    for k in mit:
        label, article = MITIGATING[k]
        out.applied.append({"kind": "mitigating", "key": k, "label": label, "article": article})

    shift = (1 if agg else 0) - (1 if mit else 0)
    idx = tiers.index(base)
    if agg:
        out.reasons.append("从重情节：" + "；".join(a["label"] for a in out.applied if a["kind"] == "aggravating"))
    if mit:
        out.reasons.append("从轻、减轻情节：" + "；".join(f"{a['label']}（{a['article']}）"
                                                   for a in out.applied if a["kind"] == "mitigating"))
    if agg and mit:
        out.reasons.append("同时具有从重和从轻情节，阶次不作调整")
    new_idx = min(max(idx + shift, 0), len(tiers) - 1)
    if shift > 0 and new_idx == idx:
        out.reasons.append(f"已处于最高阶次“{base.name}”，在本阶次幅度内从重")
    if shift < 0 and new_idx == idx:
        out.requires_legal_review = True
        out.reasons.append(f"已处于最低阶次“{base.name}”，在本阶次幅度内从轻；如需减轻处罚（低于法定最低额）"
                           "须说明理由并经法制审核")
    final = tiers[new_idx]
    if new_idx != idx:
        out.reasons.append(f"阶次由“{base.name}”调整为“{final.name}”")
    out.tier, out.tier_rank = final.name, final.rank
    out.fine_min, out.fine_max, out.other_penalty = final.fine_min, final.fine_max, final.other_penalty
    out.rate_min, out.rate_max, out.rate_of = final.rate_min, final.rate_max, final.rate_of
    if final.rate_min is not None or final.rate_max is not None:
        out.reasons.append(f"罚款幅度：{final.rate_of or '基数'}的{final.rate_min}%至{final.rate_max}%"
                           + (f"；{final.other_penalty}" if final.other_penalty else ""))
    elif final.fine_min is None and final.fine_max is None:
        out.reasons.append("本阶次不处罚款" + (f"；{final.other_penalty}" if final.other_penalty else ""))
    else:
        out.reasons.append(f"罚款幅度：{_money(final.fine_min)}至{_money(final.fine_max)}"
                           + (f"；{final.other_penalty}" if final.other_penalty else ""))
    return out


def _weight(o: DiscretionOutcome) -> tuple[int, Decimal, Decimal, int]:
    hi = o.fine_max if o.fine_max is not None else (o.rate_max if o.rate_max is not None else Decimal(0))
    lo = o.fine_min if o.fine_min is not None else (o.rate_min if o.rate_min is not None else Decimal(0))
    return (0 if o.no_penalty else 1, hi, lo, o.tier_rank or 0)


def choose_discretion_lighter(session: Session, power_code: str, *, facts: DiscretionFacts, act_on: date,
                              decide_on: date) -> DiscretionOutcome:
    """[APL] art 37 从旧兼从轻: the standard in force when the act was committed applies, unless the one in
    force when the decision is made is lighter (then that one, with the reason recorded)."""
    old = choose_discretion(session, power_code, facts=facts, at=act_on)
    if decide_on <= act_on:
        return old
    try:
        new = choose_discretion(session, power_code, facts=facts, at=decide_on)
    except NotFound:
        old.reasons.append("作出决定时没有有效的裁量基准，适用违法行为发生时的基准")
        return old
    if (new.standard_id, new.standard_version) == (old.standard_id, old.standard_version):
        return old
    if _weight(new) < _weight(old):
        new.reasons.append(f"从旧兼从轻（行政处罚法第三十七条）：作出决定时的裁量基准第{new.standard_version}版"
                           f"轻于违法行为发生时的第{old.standard_version}版，适用新基准")
        return new
    old.reasons.append(f"从旧兼从轻（行政处罚法第三十七条）：适用违法行为发生时的裁量基准第{old.standard_version}版")
    return old
