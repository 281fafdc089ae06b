"""Evaluation and assessment consoles in a real browser: the ranking table with a drill-down to the cases,
and an assessor's inspection on a phone issuing a rectification notice."""

from __future__ import annotations


def test_evaluation_table_and_drill_down(open_page):
    page = open_page("leader1", path="/evaluation")
    month = page.evaluate("JSON.parse(document.getElementById('cg-config').textContent).now.slice(0, 7)")
    page.fill("#period", month)
    page.click("#go")
    page.locator("#table tbody tr[data-key] a").first.wait_for()  # a street with cases: counts are links
    assert page.locator("#table thead").inner_text().count("综合指标值") == 1
    page.locator("#table tbody tr[data-key] a").first.click()
    page.locator(".modal table tbody tr").first.wait_for()
    assert page.locator(".modal .pager .info").inner_text().startswith("共")
    page.click(".modal header .close")
    page.select_option("#level", "department")
    page.click("#go")
    page.locator("#table tbody tr[data-key]").first.wait_for()


def test_inspection_on_a_phone_issues_a_notice(open_page):
    page = open_page("assessor1", mobile=True, path="/assessment")
    page.locator("#new").click()
    page.locator(".modal select").first.wait_for()
    page.locator(".modal fieldset input[type=checkbox]").check()
    page.click(".modal footer [data-action=提交]")
    page.locator(".toast.ok").wait_for()
    assert "整改通知书 1 份" in page.locator(".toast.ok").inner_text()
    page.click("[data-tab=notices]")
    page.locator("#panel tr[data-notice]").first.wait_for()
