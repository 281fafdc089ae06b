"""裁量基准: tier selection by hand examples (demo standards), aggravating/mitigating, no-penalty rules,
versioning."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from chengguan.core.errors import Conflict, Invalid, NotFound
from chengguan.parties import service as parties
from chengguan.powers import service
from chengguan.powers.service import DiscretionFacts, choose_discretion

AT = date(2026, 11, 20)
STALL = "DEMO-CF-0001"  # 占道经营 50–500: 轻微 50–150 / 一般 150–350 / 严重 350–500, 首违不罚 on
WASTE = "DEMO-CF-0004"  # 渣土 org 5000–2万 / 2万–4万 / 4万–5万


def F(**kw):
    kw.setdefault("party_type", "person")
    for k in ("flags", "aggravating", "mitigating"):
        if k in kw:
            kw[k] = frozenset(kw[k])
    return DiscretionFacts(**kw)


def test_default_tier_and_range(db_session):
    out = choose_discretion(db_session, STALL, facts=F(), at=AT)
    assert (out.tier, out.fine_min, out.fine_max, out.no_penalty) == ("一般", Decimal("150"), Decimal("350"), False)
    assert out.standard_version == 1 and out.standard_ref == f"{out.standard_id}@1"
    assert any("默认阶次" in r for r in out.reasons)
    assert out.legal_basis and out.legal_basis[0]["law"].startswith("城市市容")


def test_condition_keys_select_the_heaviest_matching_tier(db_session):
    assert choose_discretion(db_session, STALL, facts=F(flags={"area_le_2m2"}), at=AT).tier == "轻微"
    assert choose_discretion(db_session, STALL, facts=F(flags={"area_gt_10m2"}), at=AT).tier == "严重"
    both = choose_discretion(db_session, STALL, facts=F(flags={"area_le_2m2", "area_gt_10m2"}), at=AT)
    assert both.tier == "严重"
    named = choose_discretion(db_session, STALL, facts=F(base_tier="轻微", flags={"area_gt_10m2"}), at=AT)
    assert named.tier == "轻微"


def test_aggravating_moves_up_mitigating_moves_down_both_cancel(db_session):
    up = choose_discretion(db_session, STALL, facts=F(aggravating={"refuse_correction"}), at=AT)
    assert (up.tier, up.fine_min, up.fine_max) == ("严重", Decimal("350"), Decimal("500"))
    assert [a["key"] for a in up.applied] == ["refuse_correction"]
    down = choose_discretion(db_session, STALL, facts=F(mitigating={"removed_harm"}), at=AT)
    assert (down.tier, down.fine_min, down.fine_max) == ("轻微", Decimal("50"), Decimal("150"))
    assert down.applied[0]["article"] == "行政处罚法第三十二条第（一）项"
    both = choose_discretion(db_session, STALL, facts=F(aggravating={"obstruct"}, mitigating={"confessed"}), at=AT)
    assert both.tier == "一般" and any("不作调整" in r for r in both.reasons)
    # Several aggravating circumstances still move one tier (no double counting).
    many = choose_discretion(db_session, STALL, facts=F(base_tier="轻微", aggravating={"obstruct", "serious_harm"}), at=AT)
    assert many.tier == "一般"


def test_age_14_to_18_must_be_lighter_and_floor_flags_legal_review(db_session):
    out = choose_discretion(db_session, STALL, facts=F(age=16), at=AT)
    assert out.tier == "轻微" and out.applied[0]["key"] == "age_14_18"
    floor = choose_discretion(db_session, STALL, facts=F(age=16, flags={"area_le_2m2"}), at=AT)
    assert floor.tier == "轻微" and floor.requires_legal_review
    assert any("减轻处罚" in r for r in floor.reasons)
    top = choose_discretion(db_session, STALL, facts=F(flags={"area_gt_10m2"}, aggravating={"obstruct"}), at=AT)
    assert top.tier == "严重" and any("最高阶次" in r for r in top.reasons)


@pytest.mark.parametrize("facts, key", [
    (dict(age=13), "under_14"),
    (dict(capacity="none"), "no_capacity"),
    (dict(no_fault=True), "no_fault"),
    (dict(minor_violation=True, corrected_in_time=True, harm="none"), "minor_corrected"),
])
def test_no_penalty_cases(db_session, facts, key):
    out = choose_discretion(db_session, WASTE, facts=F(**facts), at=AT)
    assert out.no_penalty and out.education_required and out.tier == "不予处罚"
    assert out.fine_min == out.fine_max == Decimal("0")
    assert out.applied[-1]["key"] == key
    assert any("教育" in r for r in out.reasons)


def test_minor_but_harm_is_penalised(db_session):
    out = choose_discretion(db_session, WASTE, facts=F(minor_violation=True, corrected_in_time=True, harm="slight"), at=AT)
    assert not out.no_penalty


def _person(db_session, n="32060219900101123X"):
    return parties.find_or_create(db_session, kind="person", name="王小明", id_number=n)


def test_first_violation_not_punished_counted_from_credit_history(db_session):
    p = _person(db_session)
    facts = F(party_id=p.id, corrected_in_time=True, harm="slight")
    out = choose_discretion(db_session, STALL, facts=facts, at=AT)
    assert out.no_penalty and out.applied[-1]["key"] == "first_violation" and out.prior_violations == 0
    # The education is recorded; the next violation within the window is no longer a first one.
    parties.record_education(db_session, party_id=p.id, power_code=STALL, decided_on=date(2026, 6, 1),
                             content="宣讲市容管理规定，当事人当场改正")
    again = choose_discretion(db_session, STALL, facts=facts, at=AT)
    assert not again.no_penalty and again.tier == "一般" and again.prior_violations == 1
    # Not corrected in time: no 首违不罚 even the first time.
    q = _person(db_session, "320602199001011256")
    assert not choose_discretion(db_session, STALL, facts=F(party_id=q.id, harm="none"), at=AT).no_penalty
    # A power not on the 首违不罚 list (渣土, org standard) never exempts a first violation.
    out2 = choose_discretion(db_session, WASTE, facts=F(party_type="person", party_id=q.id, corrected_in_time=True,
                                                        harm="slight"), at=AT)
    assert not out2.no_penalty and any("首违不罚清单" in r for r in out2.reasons)


def test_first_violation_unknown_without_party(db_session):
    out = choose_discretion(db_session, STALL, facts=F(corrected_in_time=True, harm="slight"), at=AT)
    assert not out.no_penalty and any("无法确认是否初次违法" in r for r in out.reasons)
    ok = choose_discretion(db_session, STALL, facts=F(corrected_in_time=True, harm="slight", first_violation=True), at=AT)
    assert ok.no_penalty


def test_three_violations_in_a_year_aggravate(db_session):
    p = _person(db_session)
    for d in (date(2026, 1, 5), date(2026, 3, 9)):
        parties.record_penalty(db_session, party_id=p.id, power_code=STALL, decided_on=d, fine=200)
    parties.record_penalty(db_session, party_id=p.id, power_code=WASTE, decided_on=date(2026, 4, 1), fine=100)
    old = parties.record_penalty(db_session, party_id=p.id, power_code=STALL, decided_on=date(2025, 10, 1), fine=100)
    two = choose_discretion(db_session, STALL, facts=F(party_id=p.id), at=AT)
    assert two.tier == "一般" and two.prior_violations == 2  # the 2025-10 one is outside the 365-day window
    parties.record_penalty(db_session, party_id=p.id, power_code=STALL, decided_on=date(2026, 9, 30), fine=300)
    three = choose_discretion(db_session, STALL, facts=F(party_id=p.id), at=AT)
    assert three.tier == "严重" and three.prior_violations == 3
    assert three.applied[0]["key"] == "repeat" and "3次" in three.applied[0]["label"]
    # A revoked record does not count.
    parties.revoke(db_session, old.id, reason="复议撤销")
    rec = parties.history(db_session, p.id)[0]
    parties.revoke(db_session, rec.id, reason="复议撤销")
    assert choose_discretion(db_session, STALL, facts=F(party_id=p.id), at=AT).tier == "一般"


def test_org_standard_is_chosen_for_organisations(db_session):
    org = choose_discretion(db_session, WASTE, facts=F(party_type="org"), at=AT)
    person = choose_discretion(db_session, WASTE, facts=F(party_type="person"), at=AT)
    assert (org.fine_min, org.fine_max) == (Decimal("20000"), Decimal("40000"))
    assert (person.fine_min, person.fine_max) == (Decimal("50"), Decimal("150"))
    assert org.standard_id != person.standard_id
    custom = choose_discretion(db_session, WASTE, facts=F(party_type="org", aggravating={"media_exposure"}), at=AT)
    assert custom.tier == "严重"


def test_rate_based_tiers(db_session):
    out = choose_discretion(db_session, "DEMO-CF-0002", facts=F(flags={"correctable", "corrected_on_time"}), at=AT)
    assert (out.tier, out.rate_min, out.rate_max, out.rate_of) == ("轻微", Decimal("5"), Decimal("5"), "建设工程造价")
    assert out.fine_min is None


def test_new_version_takes_over_from_its_date(db_session):
    before = choose_discretion(db_session, STALL, facts=F(), at=AT)
    std = service.create_standard(db_session, STALL, {
        "title": "占道经营裁量基准（修订）", "effective_from": "2026-12-01", "statutory_min": "50", "statutory_max": "500",
        "tiers": [{"name": "一般", "conditions": "全部", "fine_min": "100", "fine_max": "300", "is_default": True}]})
    assert std.version == 2
    still = choose_discretion(db_session, STALL, facts=F(), at=AT)
    assert (still.standard_id, still.standard_version, still.fine_min) == (before.standard_id, 1, Decimal("150"))
    new = choose_discretion(db_session, STALL, facts=F(), at=date(2026, 12, 2))
    assert (new.standard_id, new.standard_version, new.fine_min) == (std.id, 2, Decimal("100"))
    assert service.get_standard(db_session, before.standard_id).effective_to == date(2026, 11, 30)
    with pytest.raises(Conflict):
        service.create_standard(db_session, STALL, {"title": "x", "effective_from": "2026-11-01",
                                                    "tiers": [{"name": "一般"}]})


def test_art37_the_lighter_of_old_and_new_standard(db_session):
    service.create_standard(db_session, STALL, {
        "title": "占道经营裁量基准（减轻）", "effective_from": "2026-12-01", "statutory_min": "50", "statutory_max": "500",
        "tiers": [{"name": "一般", "conditions": "全部", "fine_min": "50", "fine_max": "100", "is_default": True}]})
    lighter = service.choose_discretion_lighter(db_session, STALL, facts=F(), act_on=AT, decide_on=date(2026, 12, 5))
    assert (lighter.standard_version, lighter.fine_max) == (2, Decimal("100"))
    assert any("第三十七条" in r for r in lighter.reasons)
    same_day = service.choose_discretion_lighter(db_session, STALL, facts=F(), act_on=AT, decide_on=AT)
    assert same_day.standard_version == 1
    service.create_standard(db_session, STALL, {
        "title": "占道经营裁量基准（加重）", "effective_from": "2027-01-01", "statutory_min": "50", "statutory_max": "500",
        "tiers": [{"name": "一般", "conditions": "全部", "fine_min": "300", "fine_max": "500", "is_default": True}]})
    heavier = service.choose_discretion_lighter(db_session, STALL, facts=F(), act_on=date(2026, 12, 10),
                                                decide_on=date(2027, 1, 5))
    assert (heavier.standard_version, heavier.fine_max) == (2, Decimal("100"))


@pytest.mark.parametrize("values, code", [
    ({"title": "x", "effective_from": "2027-01-01", "statutory_min": "50", "statutory_max": "500",
      "tiers": [{"name": "一般", "fine_min": "10", "fine_max": "100"}]}, "outside_statutory_range"),
    ({"title": "x", "effective_from": "2027-01-01", "tiers": []}, "bad_tiers"),
    ({"title": "x", "effective_from": "2027-01-01", "tiers": [{"name": "a", "fine_min": "9", "fine_max": "1"}]}, "bad_tiers"),
    ({"title": "x", "effective_from": "2027-01-01", "tiers": [{"name": "a"}, {"name": "a"}]}, "bad_tiers"),
    ({"title": "x", "effective_from": "bad", "tiers": [{"name": "a"}]}, "bad_date"),
    ({"title": "x", "effective_from": "2027-01-01", "actor_type": "alien", "tiers": [{"name": "a"}]}, "bad_actor_type"),
    ({"title": "x", "effective_from": "2027-01-01", "tiers": [{"name": "a", "fine_min": "NaN"}]}, "bad_amount"),
    ({"title": "x", "effective_from": "2027-01-01", "tiers": [{"name": "a", "fine_max": "Infinity"}]}, "bad_amount"),
    ({"title": "x", "effective_from": "2027-01-01", "statutory_min": "abc", "tiers": [{"name": "a"}]}, "bad_amount"),
    ({"title": "x", "effective_from": "2027-01-01", "effective_to": "2026-01-01", "tiers": [{"name": "a"}]}, "bad_date"),
])
def test_bad_standards_are_refused(db_session, values, code):
    with pytest.raises(Invalid) as e:
        service.create_standard(db_session, STALL, values)
    assert e.value.code == code


def test_refusals(db_session):
    with pytest.raises(NotFound):
        choose_discretion(db_session, "NOPE", facts=F(), at=AT)
    with pytest.raises(NotFound) as e:
        choose_discretion(db_session, STALL, facts=F(), at=date(2020, 1, 1))
    assert e.value.code == "no_discretion_standard"
    with pytest.raises(Invalid):
        choose_discretion(db_session, STALL, facts=F(aggravating={"bogus"}), at=AT)
    with pytest.raises(Invalid):
        choose_discretion(db_session, STALL, facts=F(mitigating={"bogus"}), at=AT)
    with pytest.raises(Invalid):
        choose_discretion(db_session, STALL, facts=F(base_tier="超严重"), at=AT)
    with pytest.raises(Invalid):
        choose_discretion(db_session, STALL, facts=F(harm="apocalyptic"), at=AT)


# ---------------------------------------------------------------- properties

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from chengguan.powers.discretion import AGGRAVATING, MITIGATING  # noqa: E402

facts_st = st.builds(
    DiscretionFacts,
    party_type=st.sampled_from(["person", "org"]),
    flags=st.frozensets(st.sampled_from(["area_le_2m2", "area_gt_10m2", "refused", "count_le_10", "x"]), max_size=3),
    aggravating=st.frozensets(st.sampled_from(sorted(AGGRAVATING)), max_size=2),
    mitigating=st.frozensets(st.sampled_from(sorted(MITIGATING)), max_size=2),
    age=st.one_of(st.none(), st.integers(10, 80)),
    capacity=st.sampled_from(["full", "partial", "none"]),
    minor_violation=st.booleans(), corrected_in_time=st.booleans(),
    harm=st.sampled_from(["none", "slight", "some", "serious"]), no_fault=st.booleans(),
    prior_violations=st.one_of(st.none(), st.integers(0, 6)), first_violation=st.one_of(st.none(), st.booleans()),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(facts=facts_st, code=st.sampled_from([STALL, WASTE, "DEMO-CF-0003", "DEMO-CF-0005"]))
def test_outcome_stays_in_the_statutory_range_and_moves_the_right_way(db_session, facts, code):
    out = choose_discretion(db_session, code, facts=facts, at=AT)
    std = service.get_standard(db_session, out.standard_id)
    if out.no_penalty:
        assert out.education_required and out.fine_max == 0
        return
    assert std.statutory_min is None or out.fine_min >= std.statutory_min
    assert std.statutory_max is None or out.fine_max <= std.statutory_max
    plain = choose_discretion(db_session, code, facts=DiscretionFacts(
        party_type=facts.party_type, flags=facts.flags, base_tier=out.base_tier), at=AT)
    agg = any(a["kind"] == "aggravating" for a in out.applied)
    mit = any(a["kind"] == "mitigating" for a in out.applied)
    if agg and not mit:
        assert out.tier_rank >= plain.tier_rank
    if mit and not agg:
        assert out.tier_rank <= plain.tier_rank
    if agg == mit:
        assert out.tier_rank == plain.tier_rank
