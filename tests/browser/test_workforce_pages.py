"""Workforce consoles in a real browser: roster and detail, certificate lights, training, equipment, 我的档案."""

from __future__ import annotations


def test_people_page_lists_and_shows_a_person(open_page):
    page = open_page("admin", path="/workforce/people")
    page.locator("#people tbody tr[data-id]").first.wait_for()
    assert page.locator("#summary .stat").count() == 4
    page.select_option("#filters select[name=kind]", "auxiliary")
    page.wait_for_function("() => [...document.querySelectorAll('#people tbody tr[data-id] td:nth-child(3)')]"
                           ".every((td) => td.textContent.startsWith('协管员'))")
    page.locator("#people tbody tr[data-id]").first.click()
    page.locator("#detail h3").first.wait_for()
    assert "协管员不能" in page.locator("#detail").inner_text()
    from casehelpers import jpeg

    page.set_input_files("#detail input[data-action=photo]",
                         files=[{"name": "p.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}])
    page.locator("#detail img.person-photo").wait_for()
    page.wait_for_function("() => { const i = document.querySelector('#detail img.person-photo'); "
                           "return i && i.complete && i.naturalWidth > 0; }")  # the photo is served to the page


def test_certificates_page_shows_lights(open_page):
    page = open_page("leader1", path="/workforce/certificates")
    page.locator("#certs tbody tr[data-id]").first.wait_for()
    assert page.locator("#lights .stat").count() == 3
    page.select_option("#filters select[name=light]", "yellow")
    page.wait_for_function("() => document.querySelectorAll('#certs tbody .light.yellow').length > 0 && "
                           "document.querySelectorAll('#certs tbody .light.green').length === 0")


def test_training_and_equipment_pages(open_page):
    page = open_page("admin", path="/workforce/training")
    page.locator("#sessions tbody tr[data-id]").first.wait_for()
    page.locator("#ranking tbody tr").first.wait_for()
    page.locator("#sessions [data-action=attend]").first.click()
    first = page.locator(".modal select[name=ids] option").first
    first.wait_for(state="attached")
    page.select_option(".modal select[name=ids]", [first.get_attribute("value")])
    page.click(".modal [data-action=submit]")
    page.locator(".toast.ok").wait_for()
    page.goto("/workforce/equipment")
    page.locator("#equipment tbody tr[data-id]").first.wait_for()
    page.select_option("#filters select[name=type]", "body_camera")
    page.wait_for_function("() => [...document.querySelectorAll('#equipment tbody tr[data-id] td:nth-child(2)')]"
                           ".every((td) => td.textContent === '执法记录仪')")
    page.locator("#equipment tbody tr[data-id]").first.click()
    page.locator("#detail dl.kv").wait_for()
    assert "HM-BWC-" in page.locator("#detail").inner_text()


def test_my_record_for_officer_and_assistant(open_page):
    page = open_page("officer1", path="/workforce/me")
    page.locator("#enforcement .badge.ok").wait_for()
    page = open_page("assistant1", path="/workforce/me")
    page.locator("#enforcement .form-error").wait_for()
    assert "协管员不能" in page.locator("#enforcement").inner_text()


def test_roster_import_from_the_people_page(open_page):
    page = open_page("admin", path="/workforce/people")
    page.locator("#actions [data-action=import]").wait_for()
    csv = "工号,姓名,类别,岗位\nBRW001,浏览器导入,协管员,协管员\n".encode("utf-8-sig")
    page.set_input_files("#actions input[type=file]", files=[{"name": "r.csv", "mimeType": "text/csv", "buffer": csv}])
    page.click(".modal [data-action=confirm]")
    page.locator(".toast.ok").wait_for()
    page.fill("#filters input[name=q]", "BRW001")
    page.locator("#people tbody tr[data-id]:has-text('浏览器导入')").wait_for()
