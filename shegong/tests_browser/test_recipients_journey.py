"""A township social worker brings a township's list into the registry, through the real pages.

She uploads the list (a title row, a subtitle, a household of three and a neighbour whose ID
number was mistyped), reads the preview with its error, fixes the number and uploads again, writes
the list, then finds the neighbour by ID number — typed with full-width digits, sent by POST and
never shown in the address — and opens the file: the masked number, the household, the categories
and the timeline entry of the import.
"""

import re
from datetime import date

import pytest
from django.utils import translation
from playwright.sync_api import expect

from .test_login_roles import sign_in

pytestmark = pytest.mark.browser

NEIGHBOUR = "赵淑珍"


def zh(text) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(text)


def shot(page, screenshots_dir, name):
    page.screenshot(path=screenshots_dir / f"recipients-{name}.png", full_page=True)


def test_worker_imports_a_township_list_and_opens_a_file(make_account, new_page, live_server, screenshots_dir, tmp_path):
    from shegong.recipients.models import Recipient
    from shegong.recipients.tests import workbooks
    from shegong.recipients.tests.factories import id_for

    worker = make_account("worker")
    base = live_server.url
    good_id = id_for(date(1949, 10, 1), 22)
    typo = good_id[:-1] + ("0" if good_id[-1] != "0" else "1")  # a wrong check digit
    rows = [*workbooks.family(), workbooks.person(NEIGHBOUR, date(1949, 10, 1), 22, "南关社区", "特困、残疾人")]
    rows[-1]["身份证号码"] = typo
    first = tmp_path / "海州街道低保名单.xlsx"
    first.write_bytes(workbooks.xlsx(rows))

    page = new_page("desktop")
    sign_in(page, base, worker.username)

    # ---- 1. Upload the list; the preview names the bad row. ---------------------------------
    page.goto(base + "/recipients/imports/new/")
    page.locator("#id_file").set_input_files(str(first))
    page.locator("main form button[type=submit].primary").click()
    expect(page).to_have_url(re.compile(r"/recipients/imports/\d+/$"))
    errors = page.locator("#errors")
    expect(errors).to_contain_text(zh("The check digit (last character) is wrong: the number was mistyped."))
    expect(errors.locator("tbody tr")).to_have_count(1)
    expect(errors.locator("tbody tr td").first).to_have_text("7")  # title, subtitle, header, then the 4th person
    expect(page.locator("form[action$='/commit/'] button[type=submit]")).to_have_count(0)
    shot(page, screenshots_dir, "01-preview-with-error")
    assert not Recipient.objects.exists()

    # ---- 2. Fix the number and upload again; the preview is clean; write it. ----------------
    rows[-1]["身份证号码"] = good_id
    fixed = tmp_path / "海州街道低保名单（已更正）.xlsx"
    fixed.write_bytes(workbooks.xlsx(rows))
    page.goto(base + "/recipients/imports/new/")
    page.locator("#id_file").set_input_files(str(fixed))
    page.locator("main form button[type=submit].primary").click()
    expect(page).to_have_url(re.compile(r"/recipients/imports/\d+/$"))
    expect(page.locator("#errors")).to_have_count(0)
    expect(page.locator("#new")).to_contain_text(NEIGHBOUR)
    expect(page.locator("#new")).not_to_contain_text(good_id)  # the preview shows masked numbers
    shot(page, screenshots_dir, "02-preview-clean")
    page.locator("form[action$='/commit/'] button[type=submit]").click()
    expect(page.locator("ul.messages .msg.success")).to_be_visible()
    assert Recipient.objects.count() == 4
    shot(page, screenshots_dir, "03-written")

    # ---- 3. Find the neighbour by ID number (full-width digits) and open the file. ----------
    page.goto(base + "/recipients/")
    full_width = good_id.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    page.locator("#id_id_number").fill(full_width)
    page.locator("form.id-search-form button[type=submit]").click()
    person = Recipient.objects.get(name=NEIGHBOUR)
    expect(page).to_have_url(base + f"/recipients/{person.pk}/")
    assert good_id not in page.url
    expect(page.locator("main h1")).to_contain_text(NEIGHBOUR)
    profile = page.locator("section.file-profile")
    expect(profile).to_contain_text(person.id_masked)
    expect(profile).not_to_contain_text(good_id)
    expect(page.locator("main")).to_contain_text("特困供养人员")
    expect(page.locator("main")).to_contain_text("残疾人")
    shot(page, screenshots_dir, "04-file")

    # She may see the full number: one click, and it is written to the audit log.
    profile.locator("button", has_text=zh("Show the full number")).first.click()
    expect(profile).to_contain_text(good_id)
    from shegong.core.models import AuditEntry

    assert AuditEntry.objects.filter(action="recipient.unmask", actor=worker).count() == 1
    shot(page, screenshots_dir, "05-unmasked")
