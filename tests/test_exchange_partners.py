"""数据交换 with a fake partner platform: inbound cases/events/attachments (signed, idempotent, duplicates
ignored), outbound case and status messages through the outbox (signed webhooks, retries), the pull feed."""

from __future__ import annotations

import base64
import json
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from casehelpers import Flow, jpeg
from chengguan.core import clock
from chengguan.exchange import service as exchange
from chengguan.outbox import service as outbox


class FakePlatform:
    """A partner platform: signs what it sends, checks what it receives, fails the first N deliveries and
    remembers message ids so a re-delivered message is counted as a duplicate."""

    def __init__(self, client: Any, code: str, secret: str, fail_times: int = 0) -> None:
        self.client, self.code, self.secret, self.fail_times = client, code, secret, fail_times
        self.received: dict[str, dict[str, Any]] = {}
        self.duplicates = 0
        self.bad_signatures = 0
        self.transport = httpx.MockTransport(self._handle)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        sig = dict(p.split("=", 1) for p in request.headers["X-Chengguan-Signature"].split(","))
        if exchange.signature(self.secret, sig["t"], request.content) != sig["v1"]:
            self.bad_signatures += 1
            return httpx.Response(401)
        if self.fail_times > 0:
            self.fail_times -= 1
            return httpx.Response(503)
        msg = json.loads(request.content)
        if msg["message_id"] in self.received:
            self.duplicates += 1
        self.received[msg["message_id"]] = msg
        return httpx.Response(200, json={"ok": True})

    def send(self, msg: dict[str, Any], *, secret: str | None = None, ts: int | None = None) -> Any:
        body = json.dumps(msg, ensure_ascii=False).encode()
        sig = exchange.signature_header(secret or self.secret, body, ts)
        return self.client.post(f"/api/v1/exchange/{self.code}/inbound", content=body,
                                headers={"X-Chengguan-Signature": sig, "Content-Type": "application/json"})

    def pull(self, cursor: int = 0, limit: int = 100) -> Any:
        path = f"/api/v1/exchange/{self.code}/feed?cursor={cursor}&limit={limit}"
        return self.client.get(path, headers={"X-Chengguan-Signature": exchange.signature_header(
            self.secret, path.encode())})


def partner(client: Any, auth: Any, code: str, kind: str, send_all: bool = False, fail_times: int = 0) -> FakePlatform:
    r = client.post("/api/v1/exchange-partners", json={"code": code, "name": f"{code} 平台", "kind": kind,
                                                       "outbound_url": f"https://{code}.example/hook",
                                                       "send_all": send_all}, headers=auth("admin"))
    assert r.status_code == 201, r.text
    return FakePlatform(client, code, r.json()["secret"], fail_times)


def deliver(db_session: Any, *fakes: FakePlatform) -> dict[str, int]:
    """Deliver due exchange messages, each to the fake platform behind its URL's host."""
    by_host = {f"{f.code.lower()}.example": f for f in fakes}

    def route(request: httpx.Request) -> httpx.Response:
        fake = by_host.get(request.url.host)
        return fake._handle(request) if fake else httpx.Response(502)

    s = exchange.ExchangeSender(db_session, httpx.Client(transport=httpx.MockTransport(route)))
    return outbox.deliver_due(db_session, {"exchange": s}, channels=["exchange"])


def hotline_case(client: Any, no: str = "12345-2026-000001", **kw: Any) -> dict[str, Any]:
    c = client.get("/api/v1/city").json()["center"]
    data = {"AJBH": no, "SXDM": "09006", "SXMC": "占道经营", "WTMS": "市民来电：路口有摊贩占道经营",
            "JD": c["lon"], "WD": c["lat"], "SFWZ": "人民路口", "FYR": "赵先生", "LXDH": "13700001111",
            "SBSJ": "2026-11-21T09:00:00+08:00"}
    data.update(kw)
    return data


def test_inbound_case_upsert_duplicates_and_refusals(client, auth, db_session, count) -> None:  # type: ignore[no-untyped-def]
    from chengguan.cases.models import Case

    hot = partner(client, auth, "12345", "hotline")
    before = count("cases")
    r = hot.send({"message_id": "m-1", "type": "case", "data": hotline_case(client)})
    assert r.status_code == 200, r.text
    assert r.json()["duplicate"] is False and r.json()["result"] == "created"
    case = db_session.scalar(select(Case).where(Case.case_no == r.json()["case_no"]))
    assert case.channel == "exchange" and case.source["external_no"] == "12345-2026-000001"
    assert case.reporter_user_id is None and case.reporter_phone == "13700001111"
    # the same message again: recognised, nothing changes
    again = hot.send({"message_id": "m-1", "type": "case", "data": hotline_case(client)})
    assert again.json()["duplicate"] is True and again.json()["case_no"] == case.case_no
    # the same case in a new message: an idempotent upsert
    same = hot.send({"message_id": "m-2", "type": "case", "data": hotline_case(client)})
    assert same.json()["result"] == "unchanged"
    changed = hot.send({"message_id": "m-3", "type": "case", "data": hotline_case(client, WTMS="补充：摊贩有三处")})
    assert changed.json()["result"] == "updated" and changed.json()["case_no"] == case.case_no
    assert count("cases") == before + 1
    # refusals change nothing
    n_events = count("case_events")
    assert hot.send({"message_id": "m-4", "type": "case", "data": hotline_case(client, "X-2")},
                    secret="wrong").status_code == 401
    stale = int((clock.now() - timedelta(hours=1)).timestamp())
    assert hot.send({"message_id": "m-5", "type": "case", "data": hotline_case(client, "X-3")},
                    ts=stale).status_code == 401
    assert hot.send({"message_id": "m-6", "type": "nonsense", "data": {}}).status_code == 422
    assert hot.send({"message_id": "m-7", "type": "case", "data": hotline_case(client, "X-4", JD=1.0, WD=1.0)}
                    ).status_code == 422  # outside the city
    assert client.post("/api/v1/exchange/nobody/inbound", content=b"{}").status_code == 404
    from chengguan.core.config import get_settings

    huge = b"{" + b" " * (get_settings().upload_max_bytes * 2 + 1) + b"}"
    assert client.post("/api/v1/exchange/12345/inbound", content=huge).status_code == 413
    assert count("cases") == before + 1 and count("case_events") == n_events
    # events and attachments on the linked case
    r = hot.send({"message_id": "m-8", "type": "event",
                  "data": {"AJBH": "12345-2026-000001", "HJ": "回访", "CLYJ": "市民反映摊贩仍在", "LSH": 77}})
    assert r.status_code == 200 and r.json()["result"] == "recorded"
    r = hot.send({"message_id": "m-9", "type": "attachment", "data": {"AJBH": "12345-2026-000001", "FJ": [
        {"WJMC": "现场.jpg", "WJLX": "image/jpeg", "NR": base64.b64encode(jpeg()).decode()}]}})
    assert r.status_code == 200 and r.json()["result"] == "1 files"
    r = hot.send({"message_id": "m-10", "type": "attachment", "data": {"AJBH": "12345-2026-000001", "FJ": [
        {"WJMC": "x.jpg", "WJLX": "image/jpeg", "NR": base64.b64encode(b"not an image").decode()}]}})
    assert r.status_code in (415, 422)
    assert hot.send({"message_id": "m-11", "type": "event", "data": {"AJBH": "unknown"}}).status_code == 404


def test_outbound_webhooks_retries_and_pull(client, auth, db_session) -> None:  # type: ignore[no-untyped-def]
    from chengguan.cases.models import Case

    hot = partner(client, auth, "12345", "hotline", fail_times=1)
    upper = partner(client, auth, "PROV", "upper", send_all=True)
    db_session.commit()
    r = hot.send({"message_id": "h-1", "type": "case", "data": hotline_case(client, "12345-2026-000009")})
    hot_case = db_session.scalar(select(Case).where(Case.case_no == r.json()["case_no"]))
    flow = Flow(client, auth)
    patrol = flow.report(photos=[flow.photo()])  # a collector's own report: only the upper level hears about it
    flow.act(hot_case.id, "register", "shiftlead1")
    flow.act(hot_case.id, "dispatch", "dispatcher1")
    assert exchange.outbound(db_session) > 0
    assert exchange.outbound(db_session) == 0  # the cursor moved: nothing twice
    db_session.commit()  # the worker commits (a GET through the test client rolls back what is not)

    # push to 12345: the first delivery fails and is retried later; signatures check out
    first = deliver(db_session, hot, upper)
    assert first["retry"] == 1 and first["sent"] > 0
    with clock.frozen(clock.now() + timedelta(hours=7)):
        assert deliver(db_session, hot, upper) == {"sent": 1, "retry": 0, "dead": 0}
    got = list(hot.received.values())
    assert hot.bad_signatures == 0 and got
    assert all(m["type"] == "event" and m["data"]["AJBH"] == "12345-2026-000009" for m in got)
    assert {m["data"]["HJ"] for m in got} >= {"register", "dispatch"}
    assert not any(m["data"]["HJ"] == "report" for m in got)  # its own case is not echoed back

    # the upper level gets every case: a case message, then the events
    kinds = {(m["type"], m["data"]["BPTAJBH"]) for m in upper.received.values()}
    assert ("case", patrol["case_no"]) in kinds and ("case", hot_case.case_no) in kinds
    rec = next(m["data"] for m in upper.received.values() if m["type"] == "case"
               and m["data"]["BPTAJBH"] == patrol["case_no"])
    assert rec["SXDM"] == "09006" and len(rec["SZDYWGBSM"]) == 15 and rec["SBSJ"].endswith("+08:00")

    # re-delivering (a lost acknowledgement) is harmless: the partner sees the same message id
    from chengguan.outbox.models import OutboxMessage

    m = db_session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "exchange")).first()
    m.status, m.next_attempt_at = "pending", clock.now()
    deliver(db_session, hot, upper)
    assert hot.duplicates + upper.duplicates == 1 and hot.bad_signatures + upper.bad_signatures == 0
    db_session.commit()

    # the same messages can be pulled with a cursor, page by page
    page1 = upper.pull(0, 2)
    assert page1.status_code == 200, page1.text
    body = page1.json()
    assert len(body["items"]) == 2 and body["more"] is True
    rest = upper.pull(body["next_cursor"], 500).json()
    pulled = {i["message_id"] for i in body["items"] + rest["items"]}
    assert pulled == set(upper.received)
    assert upper.pull(rest["next_cursor"]).json()["items"] == []
    path = "/api/v1/exchange/PROV/feed?cursor=0"
    assert client.get(path, headers={"X-Chengguan-Signature": exchange.signature_header("bad", path.encode())}
                      ).status_code == 401
    assert client.get(path).status_code == 401
    # files of exchanged cases only
    p = f"/api/v1/exchange/PROV/files/{rec['FJ'][0]['WJID']}"
    r = client.get(p, headers={"X-Chengguan-Signature": exchange.signature_header(upper.secret, p.encode())})
    assert r.status_code == 200 and r.headers["content-type"] == "image/jpeg"
    p = f"/api/v1/exchange/12345/files/{rec['FJ'][0]['WJID']}"  # not a case exchanged with 12345
    assert client.get(p, headers={"X-Chengguan-Signature": exchange.signature_header(hot.secret, p.encode())}
                      ).status_code == 404


def test_partner_admin(client, auth) -> None:  # type: ignore[no-untyped-def]
    body = {"code": "CITY", "name": "市级平台", "kind": "upper", "send_all": True}
    assert client.post("/api/v1/exchange-partners", json=body, headers=auth("dispatcher1")).status_code == 403
    r = client.post("/api/v1/exchange-partners", json=body, headers=auth("admin"))
    assert r.status_code == 201 and r.json()["secret"]
    assert client.post("/api/v1/exchange-partners", json=body, headers=auth("admin")).status_code == 409
    lst = client.get("/api/v1/exchange-partners", headers=auth("admin")).json()
    assert lst[-1]["code"] == "CITY" and lst[-1]["secret"] is None
    pid = r.json()["id"]
    r2 = client.patch(f"/api/v1/exchange-partners/{pid}", json={"is_active": False, "rotate_secret": True},
                      headers=auth("admin"))
    assert r2.json()["secret"] != r.json()["secret"] and r2.json()["is_active"] is False
    fake = FakePlatform(client, "CITY", r2.json()["secret"])
    assert fake.send({"message_id": "x", "type": "case", "data": {}}).status_code == 403  # inactive


@pytest.mark.parametrize("kind", ["event", "attachment"])
def test_unlinked_messages_refused(client, auth, kind) -> None:  # type: ignore[no-untyped-def]
    hot = partner(client, auth, "H2", "hotline")
    assert hot.send({"message_id": "u", "type": kind, "data": {"AJBH": "nope"}}).status_code == 404


def test_the_worker_has_an_exchange_sender(db_session) -> None:  # type: ignore[no-untyped-def]
    from chengguan.jobs import runner

    assert isinstance(runner.senders(db_session)["exchange"], exchange.ExchangeSender)
    runner._load_jobs()
    assert {"exchange.outbound", "participation.rewards", "participation.progress"} <= set(runner.JOBS)
