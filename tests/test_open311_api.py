"""Open311 GeoReport v2: every endpoint in XML and JSON, JSON validated against the GeoReport v2 schemas
(tests/open311_schemas), the spec's errors, API keys, and a request followed to closure."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta
from typing import Any

import pytest

from casehelpers import Flow, jpeg
from chengguan.core import clock
from open311helpers import W3C, validate

BASE = "/open311/v2"


@pytest.fixture
def key(client, auth) -> str:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/open311/clients", json={"name": "测试客户端", "contact": "dev@example.org"},
                    headers=auth("admin"))
    assert r.status_code == 201, r.text
    return r.json()["api_key"]


def xml(r: Any) -> ET.Element:
    assert r.headers["content-type"].startswith("text/xml"), r.headers["content-type"]
    assert r.text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(r.content)


def post(client: Any, key: str | None, fmt: str = "json", files: Any = None, **form: Any) -> Any:
    data = dict(form)
    if key is not None:
        data["api_key"] = key
    return client.post(f"{BASE}/requests.{fmt}", data=data, files=files)


def where(client: Any) -> tuple[float, float]:
    c = client.get("/api/v1/city").json()["center"]
    return c["lon"], c["lat"]


def assert_error(r: Any, status: int, fmt: str = "json") -> str:
    assert r.status_code == status, r.text
    if fmt == "json":
        validate(r.json(), "errors.json")
        return str(r.json()[0]["description"])
    root = xml(r)
    assert root.tag == "errors" and root.find("error/code") is not None
    return root.findtext("error/description") or ""


def test_discovery_services_and_definitions(client) -> None:  # type: ignore[no-untyped-def]
    r = client.get(f"{BASE}/discovery.json")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    validate(r.json(), "discovery.json")
    root = xml(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery" and root.find("endpoints/endpoint/formats/format") is not None
    for f in ("changeset", "contact", "key_service"):
        assert root.findtext(f)

    services = client.get(f"{BASE}/services.json").json()
    validate(services, "services.json")
    assert len(services) > 100 and all(s["metadata"] is True and s["type"] == "realtime" for s in services)
    s = next(s for s in services if s["service_code"] == "09006")
    assert s["service_name"] == "占道经营" and s["group"] == "街面秩序类" and s["keywords"]
    root = xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services" and len(root.findall("service")) == len(services)
    assert root.find("service/metadata").text == "true"

    d = client.get(f"{BASE}/services/09006.json").json()
    validate(d, "service-definition.json")
    orders = [a["order"] for a in d["attributes"]]
    assert orders == list(range(1, len(orders) + 1))
    cond = next(a for a in d["attributes"] if a["code"] == "condition")
    assert cond["datatype"] == "singlevaluelist" and cond["required"] is True and cond["values"]
    assert any(a["datatype"] == "multivaluelist" for a in d["attributes"])
    assert any(a["variable"] is False for a in d["attributes"])  # 结案标准, information only
    root = xml(client.get(f"{BASE}/services/09006.xml"))
    assert root.tag == "service_definition" and root.findtext("service_code") == "09006"
    assert root.find("attributes/attribute/values/value/key") is not None


def test_errors_in_both_formats(client, key) -> None:  # type: ignore[no-untyped-def]
    assert_error(client.get(f"{BASE}/services/99999.json"), 404)
    assert_error(client.get(f"{BASE}/services/99999.xml"), 404, "xml")
    assert_error(client.get(f"{BASE}/requests/00000000.json"), 404)
    assert_error(client.get(f"{BASE}/tokens/nope.xml"), 404, "xml")
    assert client.get(f"{BASE}/services.html").status_code == 404
    assert_error(client.get(f"{BASE}/requests.json", params={"start_date": "yesterday"}), 400)
    assert_error(client.get(f"{BASE}/requests.json", params={"start_date": "2026-01-01T00:00:00"}), 400)  # no TZ
    assert_error(client.get(f"{BASE}/requests.json", params={
        "start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}), 400)  # > 90 days
    assert_error(client.get(f"{BASE}/requests.json", params={"status": "pending"}), 400)
    assert_error(client.get(f"{BASE}/requests.json", params={"page_size": "5000"}), 400)


def test_post_refusals_change_nothing(client, key, count, auth) -> None:  # type: ignore[no-untyped-def]
    lon, lat = where(client)
    ok = {"service_code": "09006", "lat": lat, "long": lon, "attribute[condition]": "1", "description": "摊贩占道"}
    before = count("cases")
    d = assert_error(post(client, None, **ok), 403)
    assert "api_key" in d
    assert_error(post(client, "cg311_deadbeef_wrong", "xml", **ok), 403, "xml")
    assert_error(post(client, key, **{**ok, "service_code": ""}), 400)
    assert_error(post(client, key, **{**ok, "service_code": "99999"}), 404)
    assert_error(post(client, key, service_code="09006", description="x", **{"attribute[condition]": "1"}), 400)
    assert_error(post(client, key, **{**ok, "long": ""}), 400)  # lat without long
    no_attr = dict(ok)
    del no_attr["attribute[condition]"]
    assert "condition" in assert_error(post(client, key, **no_attr), 400)
    assert_error(post(client, key, **{**ok, "attribute[condition]": "99"}), 400)
    assert_error(post(client, key, **{**ok, "attribute[situation][]": "nonsense"}), 400)
    assert_error(post(client, key, **{**ok, "description": "长" * 4001}), 400)
    assert_error(post(client, key, **{**ok, "lat": 10.0, "long": 10.0}), 400)  # outside the city
    assert_error(post(client, key, files=[("media", ("x.jpg", b"not an image", "image/jpeg"))], **ok), 400)
    assert count("cases") == before
    # a revoked key is refused
    cid = client.get("/api/v1/open311/clients", headers=auth("admin")).json()[-1]["id"]
    assert client.post(f"/api/v1/open311/clients/{cid}/revoke", headers=auth("admin")).status_code == 200
    assert_error(post(client, key, **ok), 403)
    assert count("cases") == before


def test_admin_manages_keys(client, auth, db_session) -> None:  # type: ignore[no-untyped-def]
    from chengguan.open311.models import ApiClient

    assert client.post("/api/v1/open311/clients", json={"name": "x"}, headers=auth("acceptor1")).status_code == 403
    assert client.get("/api/v1/open311/clients").status_code == 401
    r = client.post("/api/v1/open311/clients", json={"name": "小程序", "rate_limit_per_minute": 2},
                    headers=auth("admin"))
    key = r.json()["api_key"]
    row = db_session.get(ApiClient, r.json()["id"])
    assert key not in (row.key_hash, row.key_prefix) and len(row.key_hash) == 64
    assert all(c["api_key"] is None for c in client.get("/api/v1/open311/clients", headers=auth("admin")).json())
    # rate limit per client: the third call in a minute is refused (in the spec's error shape)
    for _ in range(2):
        assert_error(post(client, key, service_code="99999"), 404)
    assert_error(post(client, key, service_code="99999"), 429)


def test_request_with_attributes_and_photo_followed_to_closure(client, key, auth, db_session) -> None:  # type: ignore[no-untyped-def]
    from chengguan.cases.models import Case

    lon, lat = where(client)
    r = post(client, key, files=[("media", ("p.jpg", jpeg(), "image/jpeg"))], service_code="09006", lat=lat,
             long=lon, description="人行道上有摊贩 <b>占道</b>", first_name="三", last_name="张", phone="13800138000",
             email="z@example.org", **{"attribute[condition]": "1", "attribute[situation][]": ["blocking", "night"]})
    assert r.status_code == 200, r.text
    body = r.json()
    validate(body, "post-response.json")
    sid = body[0]["service_request_id"]
    case = db_session.query(Case).filter_by(case_no=sid).one()
    assert case.channel == "public" and case.condition_number == 1 and case.description == "人行道上有摊贩 占道"
    assert case.source["attributes"] == {"condition": "1", "situation": ["blocking", "night"]}
    assert case.reporter_phone == "13800138000" and case.source["email"] == "z@example.org"

    rec = client.get(f"{BASE}/requests/{sid}.json").json()
    validate(rec, "requests.json")
    assert len(rec) == 1 and rec[0]["status"] == "open" and rec[0]["media_url"]
    assert "13800138000" not in str(rec) and "z@example.org" not in str(rec)  # contacts never public
    for f in ("requested_datetime", "updated_datetime", "expected_datetime"):
        assert rec[0][f] is None or W3C.match(rec[0][f]) and rec[0][f].endswith("+08:00")
    photo = client.get(rec[0]["media_url"].replace("http://testserver", ""))
    assert photo.status_code == 200 and photo.headers["content-type"] == "image/jpeg"

    # staff work the case through the loop
    flow = Flow(client, auth)
    cid = case.id
    if case.status == "verifying":
        flow.act(cid, "verify", "collector1", passed=True)
    flow.act(cid, "register", "shiftlead1")
    flow.act(cid, "dispatch", "dispatcher1")
    assert client.get(f"{BASE}/requests/{sid}.json").json()[0]["agency_responsible"]
    flow.act(cid, "feedback", "dept1", photos=[flow.photo("dept1")], opinion="已劝离摊贩并清理现场")
    flow.act(cid, "check", "collector1", passed=True)
    flow.act(cid, "close", "shiftlead1")

    rec = client.get(f"{BASE}/requests/{sid}.json").json()
    validate(rec, "requests.json")
    db_session.refresh(case)
    assert rec[0]["status"] == "closed"
    assert rec[0]["updated_datetime"] == clock.local(case.closed_at).replace(microsecond=0).isoformat()
    root = xml(client.get(f"{BASE}/requests/{sid}.xml"))
    assert root.tag == "service_requests" and root.findtext("request/status") == "closed"
    assert root.find("request/zipcode") is not None  # empty element = null

    ups = client.get(f"{BASE}/servicerequestupdates.json", params={"service_request_id": sid}).json()
    validate(ups, "request-updates.json")
    statuses = [u["status"] for u in ups]
    assert "in_progress" in statuses and statuses[-1] == "fixed"
    fb = next(u for u in ups if "已劝离摊贩" in u["description"])  # the department's update goes out
    assert fb["media_url"]
    root = xml(client.get(f"{BASE}/servicerequestupdates.xml", params={"service_request_id": sid}))
    assert root.tag == "service_request_updates" and root.find("request_update/update_id") is not None

    # a citizen update comes in (deduplicated by update_id), staff are told
    form = {"api_key": key, "service_request_id": sid, "update_id": "fms-1", "status": "REOPEN",
            "updated_datetime": "2026-11-21T10:00:00+08:00", "description": "摊贩又回来了"}
    r1 = client.post(f"{BASE}/servicerequestupdates.json", data=form)
    assert r1.status_code == 200, r1.text
    validate(r1.json(), "update-response.json")
    r2 = client.post(f"{BASE}/servicerequestupdates.xml", data=form)
    assert xml(r2).findtext("request_update/update_id") == r1.json()[0]["update_id"]
    ups = client.get(f"{BASE}/servicerequestupdates.json", params={"service_request_id": sid}).json()
    assert sum("摊贩又回来了" in u["description"] for u in ups) == 1
    assert_error(client.post(f"{BASE}/servicerequestupdates.json", data={**form, "status": "WHATEVER"}), 400)
    assert_error(client.post(f"{BASE}/servicerequestupdates.json", data={**form, "api_key": ""}), 403)
    assert_error(client.post(f"{BASE}/servicerequestupdates.json",
                             data={**form, "service_request_id": "nope", "update_id": "x"}), 404)


def test_list_filters_window_cap_and_override(client, key, auth, db_session) -> None:  # type: ignore[no-untyped-def]
    lon, lat = where(client)
    ids = []
    for i in range(3):
        r = post(client, key, service_code="09006", lat=lat, long=lon, description=f"第{i}个，联系我 13912345678",
                 **{"attribute[condition]": "1"})
        ids.append(r.json()[0]["service_request_id"])
    # phone numbers in public text are masked; hotline cases (callers' details) are not listed by default
    assert "139****5678" in client.get(f"{BASE}/requests/{ids[0]}.json").json()[0]["description"]
    hot = Flow(client, auth).report("acceptor1", channel="hotline", description="来电：张先生反映摊贩占道")
    assert_error(client.get(f"{BASE}/requests/{hot['case_no']}.json"), 404)
    all_ = client.get(f"{BASE}/requests.json").json()
    validate(all_, "requests.json")
    assert len(all_) <= 1000 and set(ids) <= {x["service_request_id"] for x in all_}
    # the id list overrides every other filter (even a window that excludes them)
    r = client.get(f"{BASE}/requests.json", params={"service_request_id": ",".join(ids[:2]), "status": "closed",
                                                    "start_date": "2020-01-01T00:00:00Z"}).json()
    assert sorted(x["service_request_id"] for x in r) == sorted(ids[:2])
    mine = client.get(f"{BASE}/requests.json", params={"service_code": "09006", "status": "open"}).json()
    assert all(x["status"] == "open" and x["service_code"] == "09006" for x in mine)
    assert set(ids) <= {x["service_request_id"] for x in mine}
    p1 = client.get(f"{BASE}/requests.json", params={"page": 1, "page_size": 2}).json()
    p2 = client.get(f"{BASE}/requests.json", params={"page": 2, "page_size": 2}).json()
    assert len(p1) == 2 and not {x["service_request_id"] for x in p1} & {x["service_request_id"] for x in p2}
    # v2.1 changesets: updated_after / updated_before filter on the newest event
    later = (clock.now() + timedelta(minutes=5)).isoformat()
    assert client.get(f"{BASE}/requests.json", params={"updated_after": later}).json() == []
    recent = client.get(f"{BASE}/requests.json", params={
        "updated_after": (clock.now() - timedelta(minutes=5)).isoformat()}).json()
    assert set(ids) <= {x["service_request_id"] for x in recent}
    before = client.get(f"{BASE}/requests.json", params={
        "updated_before": (clock.now() - timedelta(minutes=5)).isoformat()}).json()
    assert not set(ids) & {x["service_request_id"] for x in before}
    old = (clock.now() - timedelta(days=200)).isoformat()
    past = {x["service_request_id"] for x in client.get(f"{BASE}/requests.json", params={"end_date": old}).json()}
    assert not past & set(ids)
    root = xml(client.get(f"{BASE}/requests.xml", params={"service_request_id": ids[0]}))
    assert [e.findtext("service_request_id") for e in root.findall("request")] == [ids[0]]


def test_batch_tokens_jurisdiction_and_sensitive(client, key, db_session) -> None:  # type: ignore[no-untyped-def]
    from chengguan.system import settings as cfg

    lon, lat = where(client)
    cfg.set_value(db_session, "open311.service_type", "batch")
    db_session.commit()  # a GET through the client rolls back what is not committed
    assert client.get(f"{BASE}/services.json").json()[0]["type"] == "batch"
    r = post(client, key, service_code="09006", lat=lat, long=lon, **{"attribute[condition]": "1"})
    body = r.json()
    validate(body, "post-response.json")
    tok = body[0]["token"]
    t = client.get(f"{BASE}/tokens/{tok}.json").json()
    validate(t, "tokens.json")
    sid = t[0]["service_request_id"]
    assert xml(client.get(f"{BASE}/tokens/{tok}.xml")).findtext("request/service_request_id") == sid

    cfg.set_value(db_session, "open311.jurisdiction_id", "demo.chengguan.cn")
    db_session.commit()

    db_session.commit()  # a GET through the client rolls back what is not committed
    assert client.get(f"{BASE}/services.json", params={"jurisdiction_id": "demo.chengguan.cn"}).status_code == 200
    assert_error(client.get(f"{BASE}/services.json", params={"jurisdiction_id": "other.gov"}), 404)
    assert client.get(f"{BASE}/services.json", params={"jurisdiction_id": ""}).status_code == 200  # empty = absent

    cfg.set_value(db_session, "participation.sensitive_categories", ["09006"])
    db_session.commit()

    db_session.commit()  # a GET through the client rolls back what is not committed
    assert_error(client.get(f"{BASE}/requests/{sid}.json"), 404)
    assert sid not in {x["service_request_id"] for x in client.get(f"{BASE}/requests.json").json()}


def test_address_only_xml_answer_and_update_windows(client, key) -> None:  # type: ignore[no-untyped-def]
    lon, lat = where(client)
    first = post(client, key, service_code="09006", lat=lat, long=lon, **{"attribute[condition]": "1"}).json()
    address = client.get(f"{BASE}/requests/{first[0]['service_request_id']}.json").json()[0]["address"]
    r = post(client, key, "xml", service_code="09006", address_string=address, description="按地址上报",
             **{"attribute[condition]": "2"})
    assert r.status_code == 200, r.text
    root = xml(r)
    sid = root.findtext("request/service_request_id")
    assert root.tag == "service_requests" and sid and root.find("request/token") is None
    rec = client.get(f"{BASE}/requests/{sid}.json").json()[0]
    assert rec["address"] and rec["lat"] is not None
    assert_error(post(client, key, service_code="09006", address_string="火星基地一号", **{"attribute[condition]": "1"}),
                 400)
    # updates: default window (last 24 h) includes the new request's submission, ranges are checked
    ups = client.get(f"{BASE}/servicerequestupdates.json").json()
    validate(ups, "request-updates.json")
    assert sid in {u["service_request_id"] for u in ups}
    assert_error(client.get(f"{BASE}/servicerequestupdates.json", params={
        "start_date": "2026-01-01T00:00:00+08:00", "end_date": "2026-12-01T00:00:00+08:00"}), 400)
    assert_error(client.get(f"{BASE}/servicerequestupdates.xml", params={"end_date": "soon"}), 400, "xml")
    old = client.get(f"{BASE}/servicerequestupdates.json", params={"end_date": "2020-01-01T00:00:00Z"}).json()
    assert old == []
