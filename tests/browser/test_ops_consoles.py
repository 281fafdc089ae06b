"""The operations consoles in a real browser: 受理 (/accept), 派遣 (/dispatch), 处置 (/dept), 城管通 (/m/),
each console's main path, and one case walked through the whole loop across the consoles as each role.

Set CHENGGUAN_SCREENSHOTS=1 to (re)write docs/screenshots/ops-*.png while the tests run.
"""

from __future__ import annotations

import os
import random
import uuid
from pathlib import Path
from typing import Any

from casehelpers import jpeg
from conftest import allow_console

SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def _shot(page: Any, name: str, full: bool = False) -> None:
    if os.environ.get("CHENGGUAN_SCREENSHOTS"):
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.wait_for_timeout(400)  # let the map tiles of the city layers settle
        size = page.viewport_size
        if full:  # a tall viewport rather than full_page: the sticky top bar would be drawn mid-page
            page.set_viewport_size({"width": size["width"], "height": 1290})
            page.evaluate("window.scrollTo(0, 0)")
            page.wait_for_timeout(300)
        page.screenshot(path=str(SHOTS / f"ops-{name}.png"))
        if full:
            page.set_viewport_size(size)


def _photo(tmp_path: Path, name: str = "p.jpg", color: tuple[int, int, int] = (150, 120, 90)) -> str:
    p = tmp_path / name
    p.write_bytes(jpeg(color))
    return str(p)


def _open_case(page: Any, case: dict[str, Any]) -> None:
    """Find the case in the console's list by its number (the search box) and select it."""
    with page.expect_response(lambda r: "/api/v1/cases?" in r.url and case["case_no"] in r.url):
        page.fill("#ops-q", case["case_no"])
    page.click(f"#ops-list li[data-id='{case['id']}']")
    page.locator(f"#ops-detail h2:has-text('{case['case_no']}')").wait_for()


def _submit_modal(page: Any) -> None:
    page.click(".modal [data-action=submit]")
    page.locator(".modal").wait_for(state="detached")


def _spot(live: Any) -> dict[str, float]:
    c = live.api("collector1").get("/api/v1/city")["center"]
    rnd = random.Random()
    return {"lon": c["lon"] + rnd.uniform(-0.004, 0.004), "lat": c["lat"] + rnd.uniform(-0.004, 0.004)}


def _status(live: Any, case_id: int) -> str:
    return str(live.api("admin").get(f"/api/v1/cases/{case_id}")["status"])


def _mine(live: Any, description: str) -> dict[str, Any]:
    items = live.api("collector1").get("/api/v1/cases", mine="true", sort="new", q=description)["items"]
    assert len(items) == 1, items
    return dict(items[0])


# ---------------------------------------------------------------- 受理


def test_accept_registers_with_the_condition_and_merges_a_duplicate(open_page, live):
    col = live.api("collector1")
    spot = _spot(live)  # a place of its own: other tests report at the centre
    first = col.report(description=f"占道经营 A {uuid.uuid4().hex[:6]}", **spot)
    dup = col.report(description=f"占道经营 B {uuid.uuid4().hex[:6]}", **spot)  # same place, same category
    page = open_page("shiftlead1", path="/accept")
    _open_case(page, first)
    page.locator(".ops-dups").wait_for()  # the likely duplicate is listed with the case
    assert dup["case_no"] in page.locator(".ops-dups").inner_text()
    page.click("[data-action=register]")
    page.locator(".modal input[name=condition_code][value='2']").check()
    _submit_modal(page)
    page.locator(".toast.ok").first.wait_for()
    case = live.api("admin").get(f"/api/v1/cases/{first['id']}")
    assert case["status"] == "registered" and case["condition_code"] == 2
    # The duplicate: one click on 合并到此 in its duplicate list.
    _open_case(page, dup)
    page.click(f".ops-dups li[data-dup='{first['id']}'] button")
    page.click(".modal [data-action=confirm]")  # a merge cannot be undone: the second click confirms
    page.locator(".toast.ok", has_text="已合并").wait_for()
    merged = live.api("admin").get(f"/api/v1/cases/{dup['id']}")
    assert merged["status"] == "merged" and merged["merged_into_id"] == first["id"]


def test_acceptor_sends_a_report_to_verification_in_one_click(open_page, live):
    # 转办 (transfer) is not a channel that goes to 核实 by itself: the report waits in 待受理.
    case = live.api("acceptor1").report(channel="transfer", description=f"转办：占道经营 {uuid.uuid4().hex[:6]}")
    assert case["status"] == "reported"
    page = open_page("acceptor1", path="/accept")
    _open_case(page, case)
    assert page.locator("[data-action=register]").count() == 0  # only shift leaders register (default)
    page.click("[data-action=request-verify]")
    page.locator(".toast.ok").first.wait_for()
    assert _status(live, case["id"]) == "verifying"


# ---------------------------------------------------------------- 派遣


def test_dispatcher_dispatches_to_two_departments_and_approves_an_extension(open_page, live):
    case = live.api("collector1").report(description=f"占道经营 派遣 {uuid.uuid4().hex[:6]}")
    live.api("shiftlead1").act(case["id"], "register")
    page = open_page("dispatcher1", path="/dispatch")
    _open_case(page, case)
    page.click("[data-action=dispatch]")
    suggested = page.locator(".dept-pick input:checked")
    suggested.first.wait_for()
    assert suggested.count() == 1  # the routing table's department is preselected
    page.locator(".dept-pick input:not(:checked)").first.check()
    page.fill(".modal textarea[name=opinion]", "请两部门配合处置")
    _shot(page, "dispatch-dialog")
    _submit_modal(page)
    page.locator(".toast.ok").first.wait_for()
    after = live.api("admin").get(f"/api/v1/cases/{case['id']}")
    assert after["status"] == "dispatched" and len(after["assignments"]) == 2
    assert [a["lead"] for a in after["assignments"]].count(True) == 1
    # dept1's department asks for more time; the request waits in the 待审批 tab.
    live.api("dept1").act(case["id"], "request-extension", hours=8, opinion="需协调执法力量")
    page.click("[data-tab=requests]")
    _open_case(page, case)
    page.locator("[data-request=extension]").wait_for()
    page.click("[data-action=approve-extension]")
    _submit_modal(page)
    page.locator(".toast.ok", has_text="批准延期").wait_for()
    done = live.api("admin").get(f"/api/v1/cases/{case['id']}")
    assert not done["pending_requests"] and done["dispose_due_at"] > after["dispose_due_at"]


# ---------------------------------------------------------------- 处置


def test_department_feeds_back_with_an_after_photo(open_page, live, tmp_path):
    case = live.api("collector1").report(description=f"占道经营 处置 {uuid.uuid4().hex[:6]}")
    live.api("shiftlead1").act(case["id"], "register")
    live.api("dispatcher1").act(case["id"], "dispatch")
    page = open_page("dept1", path="/dept")
    _open_case(page, case)
    assert page.locator("#ops-detail .countdown").count() >= 1
    page.click("[data-action=feedback]")
    # Refused without the after-photo (checked in the form before anything is sent).
    page.fill(".modal textarea[name=opinion]", "已清理占道摊点")
    page.click(".modal [data-action=submit]")
    assert "处置后照片" in page.locator(".modal .form-error").inner_text()
    page.set_input_files(".modal input[type=file]", _photo(tmp_path))
    page.locator(".modal .ph[data-token]").wait_for()
    _submit_modal(page)
    page.locator(".toast.ok").first.wait_for()
    after = live.api("admin").get(f"/api/v1/cases/{case['id']}")
    assert after["status"] == "fed_back"
    assert any(a["stage"] == "feedback" for a in after["attachments"])


def test_department_requests_to_return_a_case(open_page, live):
    case = live.api("collector1").report(description=f"占道经营 回退 {uuid.uuid4().hex[:6]}")
    live.api("shiftlead1").act(case["id"], "register")
    live.api("dispatcher1").act(case["id"], "dispatch")
    page = open_page("dept1", path="/dept")
    _open_case(page, case)
    page.click("[data-action=return]")
    page.fill(".modal textarea[name=opinion]", "不属于本部门职责")
    _submit_modal(page)
    page.locator(".toast.ok").first.wait_for()
    page.locator("#ops-detail [data-request=return]").wait_for()
    assert live.api("admin").get(f"/api/v1/cases/{case['id']}")["pending_requests"][0]["kind"] == "return"


# ---------------------------------------------------------------- 城管通


def _mobile(open_page, live):
    c = live.api("collector1").get("/api/v1/city")["center"]
    return open_page("collector1", mobile=True, path="/m/", geolocation={"longitude": c["lon"], "latitude": c["lat"]},
                     permissions=["geolocation"])


def _fill_report(page: Any, tmp_path: Path, description: str, search: str = "zdjy") -> None:
    page.click(".m-tabbar [data-tab=report]")
    page.locator("#m-map .leaflet-marker-icon").wait_for()  # the device position is pinned
    page.set_input_files("#m-photos input[capture]", _photo(tmp_path))
    page.click("#m-cat")
    page.fill(".m-sheet input", search)  # pinyin initials of 占道经营
    page.locator(".m-sheet button[data-code='09006']").wait_for()
    if search == "zdjy":
        _shot(page, "mobile-categories")
    page.click(".m-sheet button[data-code='09006']")
    page.locator("#m-conds input").first.wait_for()
    page.fill("#m-desc", description)


def test_mobile_report_waits_offline_and_is_sent_when_the_network_returns(open_page, live, tmp_path):
    page = _mobile(open_page, live)
    page.locator("#m-tasks .m-task, #m-tasks .empty").first.wait_for()
    _shot(page, "mobile-tasks")
    description = f"城管通离线上报 {uuid.uuid4().hex[:8]}"
    _fill_report(page, tmp_path, description)
    page.mouse.move(5, 5)
    _shot(page, "mobile-report", full=True)
    allow_console(page, "ERR_INTERNET_DISCONNECTED")  # a background request that meets the offline network
    page.context.set_offline(True)
    page.click("#m-submit")
    page.locator("#m-queue li[data-queued]").wait_for()
    assert page.locator("#m-c-queue").inner_text() == "1"
    assert live.api("collector1").get("/api/v1/cases", mine="true", q=description)["items"] == []
    page.context.set_offline(False)  # the 'online' event sends the queue
    page.locator(".toast.ok", has_text="已上报").wait_for()
    assert page.locator("#m-c-queue").inner_text() == "0"
    case = _mine(live, description)
    assert case["channel"] == "patrol" and case["category_code"] == "09006"
    full = live.api("admin").get(f"/api/v1/cases/{case['id']}")
    assert [a["stage"] for a in full["attachments"]] == ["report"]
    # The service worker took control of 城管通 (the app shell is cached for offline starts).
    assert page.evaluate("navigator.serviceWorker.ready.then((r) => r.active.scriptURL)").endswith("/m/sw.js")


def test_mobile_starts_without_a_network_once_loaded(open_page, live):
    """The service worker keeps the app shell: after one visit, 城管通 opens offline and can take a report."""
    page = _mobile(open_page, live)
    page.wait_for_function("() => window.cgOfflineReady > 5")  # the worker cached the page, modules, styles, Leaflet
    allow_console(page, "ERR_INTERNET_DISCONNECTED")  # the map's city layers cannot load offline
    page.context.set_offline(True)
    page.reload()
    page.locator("#m-net.off").wait_for()
    assert page.locator("#m-net").inner_text() == "离线"
    page.click(".m-tabbar [data-tab=report]")
    page.locator("#m-form #m-submit").wait_for()
    assert page.evaluate("navigator.serviceWorker.controller !== null")
    page.context.set_offline(False)


def test_mobile_resending_the_same_report_creates_one_case(open_page, live):
    """The queue's Idempotency-Key: the same record sent twice (a lost answer, a retry) is one case."""
    page = _mobile(open_page, live)
    page.locator("#m-tasks .m-task, #m-tasks .empty").first.wait_for()
    description = f"幂等重试 {uuid.uuid4().hex[:8]}"
    c = live.api("collector1").get("/api/v1/city")["center"]
    ids = page.evaluate("""async ([d, lon, lat]) => {
        const { api } = await import('/static/js/cg/api.js');
        const body = {category_code: '09006', description: d, lon, lat, channel: 'patrol'};
        const a = await api('/api/v1/reports', {method: 'POST', body, idempotencyKey: 'm-test-' + d.slice(-8)});
        const b = await api('/api/v1/reports', {method: 'POST', body, idempotencyKey: 'm-test-' + d.slice(-8)});
        return [a.id, b.id];
    }""", [description, c["lon"], c["lat"]])
    assert ids[0] == ids[1]
    assert _mine(live, description)["id"] == ids[0]


def test_mobile_self_disposal_closes_the_case(open_page, live, tmp_path):
    page = _mobile(open_page, live)
    description = f"自行处置 {uuid.uuid4().hex[:8]}"
    _fill_report(page, tmp_path, description, search="占道")
    page.check("#m-self")
    page.set_input_files("#m-after input[capture]", _photo(tmp_path, "after.jpg", (90, 160, 90)))
    page.click("#m-submit")
    page.locator(".toast.ok", has_text="自行处置").wait_for()
    case = _mine(live, description)
    assert case["status"] == "closed"
    page.click(".m-tabbar [data-tab=history]")
    page.locator(f"#m-history li[data-id='{case['id']}']").wait_for()
    _shot(page, "mobile-history")


# ---------------------------------------------------------------- the whole loop across the consoles


def test_a_case_goes_round_the_whole_loop_through_the_consoles(open_page, live, tmp_path):
    # 1. 城管通: the collector reports from the phone.
    page = _mobile(open_page, live)
    description = f"全流程 {uuid.uuid4().hex[:8]} 人行道流动摊贩"
    _fill_report(page, tmp_path, description)
    page.click("#m-submit")
    page.locator(".toast.ok", has_text="已上报").wait_for()
    case = _mine(live, description)
    assert case["status"] == "reported"

    # 2. 受理: the shift leader registers it.
    acc = open_page("shiftlead1", path="/accept")
    _open_case(acc, case)
    acc.click("[data-action=register]")
    _submit_modal(acc)
    acc.locator(".toast.ok", has_text="已立案").wait_for()
    assert _status(live, case["id"]) == "registered"

    # 3. 派遣: the dispatcher sends it to the suggested department.
    dis = open_page("dispatcher1", path="/dispatch")
    _open_case(dis, case)
    dis.click("[data-action=dispatch]")
    dis.locator(".dept-pick input:checked").wait_for()
    _submit_modal(dis)
    dis.locator(".toast.ok", has_text="已派遣").wait_for()
    assert _status(live, case["id"]) == "dispatched"

    # 4. 处置: dept1 feeds back with an after-photo.
    dep = open_page("dept1", path="/dept")
    _open_case(dep, case)
    dep.click("[data-action=feedback]")
    dep.fill(".modal textarea[name=opinion]", "摊贩已劝离，现场已清理")
    dep.set_input_files(".modal input[type=file]", _photo(tmp_path, "fixed.jpg", (80, 170, 80)))
    dep.locator(".modal .ph[data-token]").wait_for()
    _submit_modal(dep)
    dep.locator(".toast.ok", has_text="已反馈").wait_for()
    assert _status(live, case["id"]) == "fed_back"

    # 5. 城管通: the collector's 核查 task appears; it passes.
    page.click(".m-tabbar [data-tab=tasks]")
    task = page.locator(f"#m-tasks [data-case='{case['id']}'][data-kind=check]")
    task.wait_for()
    task.click()
    page.locator(".modal .ops-photos").first.wait_for()  # the case with its before and after photos
    page.set_input_files(".modal input[type=file]", _photo(tmp_path, "check.jpg", (70, 150, 70)))
    page.locator(".modal .ph[data-token]").wait_for()
    _submit_modal(page)
    page.locator(".toast.ok", has_text="核查已提交").wait_for()
    assert _status(live, case["id"]) == "checked"

    # 6. 受理: the shift leader closes it from 待结案.
    acc.click("[data-tab=checked]")
    _open_case(acc, case)
    acc.click("[data-action=close]")
    _submit_modal(acc)
    acc.locator(".toast.ok", has_text="已结案").wait_for()
    final = live.api("admin").get(f"/api/v1/cases/{case['id']}")
    assert final["status"] == "closed"
    assert [e["action"] for e in final["timeline"]] == ["report", "register", "dispatch", "feedback", "check", "close"]
    assert {a["stage"] for a in final["attachments"]} == {"report", "feedback", "check"}
