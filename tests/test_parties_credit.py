"""Parties (USCC and resident-ID validation), credit records, masking, and the parties API."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chengguan.core.errors import Conflict, Invalid
from chengguan.geo.codes import USCC_CHARSET, make_uscc, uscc_check_char
from chengguan.parties import masking, service

GOOD_USCC = "91320614MA1MYK2X7" + uscc_check_char("91320614MA1MYK2X7")
ID = "11010519491231002X"  # GB 11643 example number


def test_uscc_validation():
    assert service.validate_uscc(GOOD_USCC.lower()) == GOOD_USCC
    bad_check = GOOD_USCC[:17] + next(c for c in "0123456789" if c != GOOD_USCC[17])
    for bad in (bad_check, GOOD_USCC[:17], GOOD_USCC + "1", "91320614MA1MYK2XI" + "0", "9132A614MA1MYK2X71"):
        with pytest.raises(ValueError):
            service.validate_uscc(bad)


@settings(max_examples=40, deadline=None)
@given(st.tuples(st.text(alphabet=USCC_CHARSET, min_size=2, max_size=2), st.text(alphabet="0123456789", min_size=6, max_size=6),
                 st.text(alphabet=USCC_CHARSET, min_size=9, max_size=9)).map("".join))
def test_uscc_check_character_is_the_only_valid_one(first17):
    good = first17 + uscc_check_char(first17)
    assert service.validate_uscc(good) == good
    for c in USCC_CHARSET:
        if c != good[17]:
            with pytest.raises(ValueError):
                service.validate_uscc(first17 + c)


def test_resident_id_validation():
    assert service.validate_resident_id(ID.lower()) == ID
    for bad in ("110105194912310021", "11010519491331002X", "1101051949123100", "11010519491231002Y"):
        with pytest.raises(ValueError):
            service.validate_resident_id(bad)


def test_masking():
    assert masking.mask_name("张三") == "张*"
    assert masking.mask_name("欧阳娜娜") == "欧***"
    assert masking.mask_name("王") == "*"
    assert masking.mask_name("演示市某某建筑工程有限公司") == "演示市某某建筑工程有限公司"  # organisations are disclosed
    assert masking.mask_name(None) == ""
    assert masking.mask_id_number(ID) == "1101**********002X"
    assert masking.mask_id_number("E1234567") == "E1****67"
    assert masking.mask_id_number("") == ""
    assert masking.mask_phone("13812345678") == "138****5678"
    assert masking.mask_phone("0513-85123456") == "0513-****3456"
    assert masking.mask_phone("110") == "***"
    assert masking.mask_address("人民路88号3幢") == "人民路***"


def test_find_or_create_is_keyed_by_identity(db_session):
    a = service.find_or_create(db_session, kind="person", name="李四", id_number=ID.lower(), phone="13812345678")
    assert (a.id_number, a.birth_date, a.gender) == (ID, date(1949, 12, 31), "女")
    b = service.find_or_create(db_session, kind="person", name="李四", id_number=ID, address="人民路1号")
    assert b.id == a.id and b.address == "人民路1号" and b.phone == "13812345678"
    o = service.find_or_create(db_session, kind="org", name="某某渣土运输有限公司", uscc=GOOD_USCC.lower())
    assert o.uscc == GOOD_USCC and service.find(db_session, kind="org", uscc=GOOD_USCC).id == o.id
    passport = service.find_or_create(db_session, kind="person", name="John", id_type="护照", id_number="e1234567")
    assert passport.id_number == "E1234567"


@pytest.mark.parametrize("kw, code", [
    (dict(kind="org", name="x"), "uscc_required"),
    (dict(kind="org", name="x", uscc="91320614MA1MYK2X70" if uscc_check_char("91320614MA1MYK2X7") != "0"
          else "91320614MA1MYK2X71"), "bad_uscc"),
    (dict(kind="person", name="x"), "id_number_required"),
    (dict(kind="person", name="x", id_number="110105194912310021"), "bad_id_number"),
    (dict(kind="person", name="x", id_type="驾照", id_number="1"), "bad_id_type"),
    (dict(kind="alien", name="x"), "bad_party_kind"),
    (dict(kind="person", name=" ", id_number=ID), "name_required"),
])
def test_party_refusals(db_session, kw, code):
    with pytest.raises(Invalid) as e:
        service.find_or_create(db_session, **kw)
    assert e.value.code == code


def test_credit_history_and_counts(db_session):
    p = service.find_or_create(db_session, kind="org", name="某某公司", uscc=make_uscc(12345))
    service.record_penalty(db_session, party_id=p.id, power_code="A", decided_on=date(2026, 1, 10), fine="5000",
                           severity="一般", decision_no="演城管罚决字〔2026〕第1号", subject="enf_case:1")
    service.record_education(db_session, party_id=p.id, power_code="A", decided_on=date(2026, 5, 1), content="教育")
    w = service.record_penalty(db_session, party_id=p.id, power_code="B", decided_on=date(2026, 6, 1), warning_only=True)
    assert service.violations_within(db_session, p.id, "A", date(2026, 1, 1)) == 2
    assert service.violations_within(db_session, p.id, None, date(2026, 1, 1)) == 3
    assert service.violations_within(db_session, p.id, None, date(2026, 2, 1)) == 2
    assert service.violations_within(db_session, p.id, "A", date(2026, 1, 1), until=date(2026, 4, 30)) == 1
    service.revoke(db_session, w.id, reason="复议撤销")
    assert service.violations_within(db_session, p.id, None, date(2026, 1, 1)) == 2
    with pytest.raises(Conflict):
        service.revoke(db_session, w.id, reason="again")
    hist = service.history(db_session, p.id)
    assert [r.kind for r in hist] == ["warning", "education", "penalty"] and hist[0].revoked_at is not None
    s = service.summary(db_session, p.id, today=date(2026, 11, 20))
    assert (s["total"], s["penalties"], s["educations"], s["fines_total"]) == (2, 1, 1, "5000.00")
    with pytest.raises(Invalid):
        service.record_education(db_session, party_id=p.id, power_code="A", decided_on=date(2026, 5, 1), content=" ")
    with pytest.raises(Invalid):
        service.record_penalty(db_session, party_id=p.id, power_code="A", decided_on=date(2026, 5, 1), fine=-1)
    with pytest.raises(Invalid):
        service.record_penalty(db_session, party_id=p.id, power_code="A", decided_on=date(2026, 5, 1), severity="极重")


def test_parties_api(client, auth):
    h = auth("officer1")
    body = {"kind": "person", "name": "赵六", "id_number": ID, "phone": "13812345678"}
    assert client.post("/api/v1/parties", json=body).status_code == 401
    assert client.post("/api/v1/parties", json=body, headers=auth("assistant1")).status_code == 403
    r = client.post("/api/v1/parties", json=body, headers=h)
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    assert r.json()["record"]["total"] == 0
    assert client.post("/api/v1/parties", json={**body, "id_number": "110105194912310021"}, headers=h).status_code == 422
    assert client.post("/api/v1/parties", json={**body, "kind": "org"}, headers=h).status_code == 422
    # Officers cannot enter credit records by hand; a legal reviewer can.
    rec = {"kind": "penalty", "power_code": "DEMO-CF-0001", "decided_on": "2026-03-01", "fine": "200"}
    assert client.post(f"/api/v1/parties/{pid}/credit", json=rec, headers=h).status_code == 403
    r = client.post(f"/api/v1/parties/{pid}/credit", json=rec, headers=auth("reviewer1"))
    assert r.status_code == 201, r.text
    assert client.post(f"/api/v1/parties/{pid}/credit", json={**rec, "fine": "-5"}, headers=auth("reviewer1")).status_code == 422
    assert client.post("/api/v1/parties/99999999/credit", json=rec, headers=auth("reviewer1")).status_code == 404
    # The officer sees the record when the same party comes up again.
    again = client.post("/api/v1/parties", json=body, headers=h).json()
    assert again["id"] == pid and again["record"]["penalties"] == 1
    found = client.get("/api/v1/parties", params={"q": "赵六"}, headers=h).json()
    assert found["total"] == 1 and found["items"][0]["id_number"] == "1101**********002X"
    assert found["items"][0]["phone"] == "138****5678"
    full = client.get(f"/api/v1/parties/{pid}", headers=h).json()
    assert full["id_number"] == ID and len(full["history"]) == 1
    assert client.get("/api/v1/parties/99999999", headers=h).status_code == 404
    assert client.get(f"/api/v1/parties/{10**20}", headers=h).status_code == 422
    assert client.get("/api/v1/parties", params={"kind": "x"}, headers=h).status_code == 422
    rid = full["history"][0]["id"]
    r = client.post(f"/api/v1/parties/credit/{rid}/revoke", json={"reason": "复议撤销"}, headers=auth("reviewer1"))
    assert r.status_code == 200 and r.json()["revoked"]
    assert client.post(f"/api/v1/parties/credit/{rid}/revoke", json={"reason": "x"},
                       headers=auth("reviewer1")).status_code == 409


def test_party_records_follow_the_callers_area(client, auth, db_session):
    """Like enforcement cases: a party belongs to the areas of its cases, or of the official who entered it."""
    from sqlalchemy import select

    from chengguan.accounts.models import User, UserRole
    from enfhelpers import EFlow, certify, setup_people

    ids = setup_people(db_session)
    certify(db_session, "officer3")  # street 002; officer1 works in street 001 (the city centre)
    body = {"kind": "person", "name": "钱七", "id_number": ID}
    r = client.post("/api/v1/parties", json=body, headers=auth("officer1"))
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    # another street's officer neither sees, finds nor updates it; a district-wide reviewer does
    r = client.get(f"/api/v1/parties/{pid}", headers=auth("officer3"))
    assert r.status_code == 403 and r.json()["error"]["code"] == "out_of_region"
    assert client.get("/api/v1/parties", params={"q": "钱七"}, headers=auth("officer3")).json()["total"] == 0
    assert client.get("/api/v1/parties", params={"q": "钱七"}, headers=auth("officer1")).json()["total"] == 1
    r = client.post("/api/v1/parties", json={**body, "phone": "13900000000"}, headers=auth("officer3"))
    assert r.status_code == 403 and r.json()["error"]["code"] == "out_of_region"
    assert client.get(f"/api/v1/parties/{pid}", headers=auth("reviewer1")).status_code == 200
    # a reviewer limited to street 002 may not write or revoke its credit records
    rec = {"kind": "penalty", "power_code": "DEMO-CF-0001", "decided_on": "2026-03-01", "fine": "200"}
    r = client.post(f"/api/v1/parties/{pid}/credit", json=rec, headers=auth("reviewer1"))
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    grant = db_session.scalar(select(UserRole).join(User, User.id == UserRole.user_id)
                              .where(User.username == "reviewer2", UserRole.role == "legal_reviewer"))
    grant.region_code = "320614002"
    db_session.commit()
    r = client.post(f"/api/v1/parties/{pid}/credit", json=rec, headers=auth("reviewer2"))
    assert r.status_code == 403 and r.json()["error"]["code"] == "out_of_region"
    r = client.post(f"/api/v1/parties/credit/{rid}/revoke", json={"reason": "撤销"}, headers=auth("reviewer2"))
    assert r.status_code == 403 and r.json()["error"]["code"] == "out_of_region"
    # an enforcement case in street 002 about the same party makes it visible there
    f = EFlow(client, auth, ids)
    case = f.post("/api/v1/enforcement/cases", "officer3",
                  {"source": "patrol", "cause": "占道经营", "party_name": "钱七", "party_id_no": ID,
                   "street_code": "320614002"}, 201)
    assert case["case"]["party_ref_id"] == pid
    assert client.get(f"/api/v1/parties/{pid}", headers=auth("officer3")).status_code == 200
    assert client.get("/api/v1/parties", params={"q": "钱七"}, headers=auth("officer3")).json()["total"] == 1
    r = client.post(f"/api/v1/parties/credit/{rid}/revoke", json={"reason": "复议撤销"}, headers=auth("reviewer2"))
    assert r.status_code == 200 and r.json()["revoked"]
