"""Helpers for the enforcement tests: certified officers, a case driven through the API."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chengguan.accounts.models import User
from chengguan.core import clock


def uid(session: Session, username: str) -> int:
    return int(session.scalar(select(User.id).where(User.username == username)))


def certify(session: Session, username: str, *, valid_to: date = date(2030, 12, 31), kind: str = "civil_servant") -> int:
    """Make sure ``username`` has a personnel record (and, for officers, a valid certificate)."""
    from chengguan.workforce.models import Certificate, Person

    user_id = uid(session, username)
    person = session.scalar(select(Person).where(Person.user_id == user_id))
    if person is None:
        person = Person(user_id=user_id, employee_no=f"T-{username}", name=username, kind=kind,
                        post="协管员" if kind == "auxiliary" else "执法队员")
        session.add(person)
        session.flush()
    if kind != "auxiliary":
        cert = next(iter(person.certificates), None)
        if cert is None:
            session.add(Certificate(person_id=person.id, number=f"T{user_id:08d}", issuing_body="海门区人民政府",
                                    scope="城市管理", scopes=[], valid_from=date(2018, 1, 1), valid_to=valid_to))
        else:
            cert.valid_from = min(cert.valid_from, valid_to - timedelta(days=730))
            cert.valid_to, cert.revoked_at = valid_to, None
        session.flush()
        session.expire(person)
    session.commit()  # a savepoint in the tests: GET requests on the shared session roll back to it
    return user_id


def setup_people(session: Session) -> dict[str, int]:
    ids = {u: certify(session, u) for u in ("officer1", "officer2")}
    ids["assistant1"] = certify(session, "assistant1", kind="auxiliary")
    for u in ("leader1", "reviewer1", "admin", "dispatcher1"):
        ids[u] = uid(session, u)
    session.commit()
    return ids


class EFlow:
    """Drive an enforcement case through the API as the demo roles."""

    def __init__(self, client: Any, auth: Any, ids: dict[str, int]) -> None:
        self.client, self.auth, self.ids = client, auth, ids
        city = client.get("/api/v1/city").json()
        self.lon, self.lat = city["center"]["lon"], city["center"]["lat"]

    def post(self, path: str, user: str, body: dict[str, Any] | None = None, expect: int | None = 200) -> dict[str, Any]:
        r = self.client.post(path, json=body or {}, headers=self.auth(user))
        if expect is not None:
            assert r.status_code == expect, f"{path} by {user}: {r.status_code} {r.text}"
        return r.json()

    def act(self, case_id: int, action: str, user: str, expect: int = 200, **body: Any) -> dict[str, Any]:
        return self.post(f"/api/v1/enforcement/cases/{case_id}/{action}", user, _jsonable(body), expect)

    def refuse(self, case_id: int, action: str, user: str, code: str, status: int = 409, **body: Any) -> dict[str, Any]:
        r = self.client.post(f"/api/v1/enforcement/cases/{case_id}/{action}", json=_jsonable(body),
                             headers=self.auth(user))
        assert r.status_code == status, f"{action}: expected {status}/{code}, got {r.status_code} {r.text}"
        err = r.json()["error"]
        assert err["code"] == code, err
        assert any("\u4e00" <= ch <= "\u9fff" for ch in err["message"]), err  # a Chinese message
        return err

    def get(self, case_id: int, user: str = "officer1") -> dict[str, Any]:
        r = self.client.get(f"/api/v1/enforcement/cases/{case_id}", headers=self.auth(user))
        assert r.status_code == 200, r.text
        return r.json()

    def lead(self, **kw: Any) -> dict[str, Any]:
        body = {"source": "patrol", "cause": "擅自占用城市道路设摊经营", "party_name": "张三", "party_type": "person",
                "party_id_no": "320684199001011234", "party_address": "海门区人民路1号", "party_phone": "13800000000",
                "address": "海门区人民路", "lon": self.lon, "lat": self.lat,
                "occurred_at": (clock.now() - timedelta(days=3)).isoformat(), "facts": "在人行道上摆摊经营"}
        body.update(kw)
        return self.post("/api/v1/enforcement/cases", "officer1", _jsonable(body), 201)

    def registered(self, **kw: Any) -> int:
        flags = {k: kw.pop(k) for k in list(kw) if k in ("complex_case", "major_violation", "public_interest",
                                                         "multi_legal_relations", "major_rights")}
        c = self.lead(**kw)
        self.act(c["case"]["id"], "register", "leader1", lead_officer_id=self.ids["officer1"],
                 assist_officer_id=self.ids["officer2"], **flags)
        return int(c["case"]["id"])

    def investigated(self, fine: str = "500", types: list[str] | None = None, **kw: Any) -> int:
        cid = self.registered(**kw)
        two = [self.ids["officer1"], self.ids["officer2"]]
        self.act(cid, "record", "officer1", kind="inspection", content="现场检查：当事人在人行道设摊。",
                 officer_ids=two, party_signed=True, place="人民路")
        self.act(cid, "evidence", "officer1", kind="documentary", title="营业情况说明", officer_ids=two)
        self.act(cid, "end-investigation", "officer1", outcome="penalty", facts="当事人于人行道设摊经营",
                 legal_basis="《城市市容和环境卫生管理条例》第三十六条", penalty_types=types or ["fine"],
                 fine_amount=fine, correction_order="立即停止占道经营，清理现场")
        return cid

    def notified(self, **kw: Any) -> int:
        cid = self.investigated(**kw)
        self.act(cid, "approve", "leader1", opinion="同意")
        self.act(cid, "notify", "officer1")
        return cid


def _jsonable(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_jsonable(x) for x in v]
    if isinstance(v, datetime):
        return v.isoformat()
    return v


class GuardFlow(EFlow):
    """An EFlow whose refusals also check that nothing changed: no new event, same case version."""

    session: Any = None

    def _events(self, case_id: int) -> tuple[int, int]:
        from chengguan.enforcement.models import EnforcementCase, EnforcementEvent

        n = self.session.scalar(select(func.count()).select_from(EnforcementEvent)
                                .where(EnforcementEvent.case_id == case_id))
        v = self.session.scalar(select(EnforcementCase.version).where(EnforcementCase.id == case_id))
        return n, v

    def refuse(self, case_id, action, user, code, status=409, **body):  # type: ignore[no-untyped-def]
        before = self._events(case_id)
        err = super().refuse(case_id, action, user, code, status, **body)
        assert self._events(case_id) == before, "a refused act changed the case"
        return err
