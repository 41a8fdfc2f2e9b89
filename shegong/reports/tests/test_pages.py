"""The report pages as their users see them.

Given the 海城市 programme of 2025, when the operator manager starts, writes and submits its October
report through the pages, the county official returns it with a comment and later approves it,
then each page shows what its reader needs: the figures from the snapshot, the text, the comment
of a returned report, the history, and only the steps the reader may take. The list and the report
page cost a fixed number of queries however many reports or steps there are.
"""

import re

import pytest
from django.utils import timezone

from shegong.monitoring.periods import Period
from shegong.reports import services
from shegong.reports.models import Report, Status

pytestmark = pytest.mark.django_db


def _section(html: str, testid: str) -> str:
    return html.split(f'data-testid="{testid}"', 1)[1].split("</section>", 1)[0]


def _done_cell(html: str, label: str) -> str:
    """The "done" cell of the indicator ``label`` in the page's indicator table."""
    figures = _section(html, "report-figures")
    row = next(r for r in figures.split("<tr>") if f">{label}<" in r)
    return re.sub(r"<[^>]+>", "", row.split('class="num">', 1)[1].split("</td>", 1)[0]).strip()


def test_the_operator_manager_starts_writes_and_submits_its_report(programme, client_for, add_activities):
    add_activities(3)
    manager = programme["people"]["operator_manager"]
    client = client_for(manager)
    form = client.get("/reports/new/")
    assert form.status_code == 200
    html = form.content.decode()
    assert "HC-2025-001" in html and 'value="2025-10"' in html and "<optgroup" in html
    assert 'name="region"' not in html  # an operator manager writes no county report

    response = client.post("/reports/new/", {"period": "2025-10", "contract": programme["contract"].pk})
    report = Report.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reports/{report.pk}/edit/"
    assert report.title == "海城市社会工作服务站2025年10月工作月报"

    again = client.post("/reports/new/", {"period": "2025-10", "contract": programme["contract"].pk})
    assert again.status_code == 200 and Report.objects.count() == 1  # one per period: the form says so
    assert "海城市社会工作服务站2025年10月工作月报" in again.content.decode()

    edit = client.get(f"/reports/{report.pk}/edit/")
    assert edit.status_code == 200 and 'name="version"' in edit.content.decode()
    saved = client.post(f"/reports/{report.pk}/edit/", {
        "version": report.version, "summary": "十月开展敬老活动三次。", "highlights": "", "problems": "培训不足。",
        "next_steps": "", "then": "submit"})
    assert saved.status_code == 302
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED and report.summary == "十月开展敬老活动三次。"

    page = client.get(f"/reports/{report.pk}/").content.decode()
    label = next(f for f in report.snapshot["figures"] if f["key"] == "activities")["label"]
    assert _done_cell(page, label) == f"3 {next(f for f in report.snapshot['figures'] if f['key'] == 'activities')['unit']}"
    assert "十月开展敬老活动三次。" in _section(page, "report-narrative")
    steps = _section(page, "report-steps")
    assert "/edit/" not in steps and "approve" not in steps  # submitted: nothing for the writer to do
    assert client.get(f"/reports/{report.pk}/edit/").status_code == 302  # no editing after submission


def test_a_stale_edit_form_says_so_and_saves_nothing(monthly, client_for, programme):
    client = client_for(programme["people"]["operator_manager"])
    stale = monthly.version
    client.post(f"/reports/{monthly.pk}/edit/", {"version": stale, "summary": "第一次", "then": "save"})
    response = client.post(f"/reports/{monthly.pk}/edit/", {"version": stale, "summary": "第二次", "then": "save"})
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    assert Report.objects.get(pk=monthly.pk).summary == "第一次"


def test_the_county_returns_with_a_comment_and_the_writer_reads_it(monthly, programme, client_for):
    people = programme["people"]
    report = services.submit(actor=people["operator_manager"], report=monthly)
    official = client_for(people["county_bureau"])
    page = official.get(f"/reports/{report.pk}/").content.decode()
    steps = _section(page, "report-steps")
    assert 'data-testid="approve-form"' in steps and 'data-testid="return-form"' in steps

    empty = official.post(f"/reports/{report.pk}/return/", {"ret-version": report.version, "ret-comment": ""})
    assert empty.status_code == 302 and Report.objects.get(pk=report.pk).status == Status.SUBMITTED
    official.post(f"/reports/{report.pk}/return/", {"ret-version": report.version, "ret-comment": "请补充培训情况"})
    assert Report.objects.get(pk=report.pk).status == Status.RETURNED

    writer = client_for(people["operator_manager"])
    for url in (f"/reports/{report.pk}/", f"/reports/{report.pk}/edit/"):
        html = writer.get(url).content.decode()
        assert 'data-testid="return-comment"' in html and "请补充培训情况" in html, url
    history = _section(writer.get(f"/reports/{report.pk}/").content.decode(), "report-history")
    assert "请补充培训情况" in history and people["county_bureau"].name in history


def test_approve_and_download(monthly, programme, client_for):
    people = programme["people"]
    report = services.submit(actor=people["operator_manager"], report=monthly)
    official = client_for(people["county_bureau"])
    response = official.post(f"/reports/{report.pk}/approve/", {"app-version": report.version, "app-comment": "同意"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Status.APPROVED
    for fmt, magic in (("xlsx", b"PK"), ("docx", b"PK"), ("pdf", b"%PDF")):
        file = official.get(f"/reports/{report.pk}/report.{fmt}")
        assert file.status_code == 200 and file.content.startswith(magic), fmt
        assert "attachment" in file["Content-Disposition"] and "2025" in file["Content-Disposition"]
    writer_page = client_for(people["operator_manager"]).get(f"/reports/{report.pk}/").content.decode()
    assert "/correct/" in _section(writer_page, "report-steps")


def test_a_stale_step_is_refused(monthly, programme, client_for):
    people = programme["people"]
    report = services.submit(actor=people["operator_manager"], report=monthly)
    official = client_for(people["county_bureau"])
    response = official.post(f"/reports/{report.pk}/approve/", {"app-version": report.version - 1, "app-comment": ""})
    assert response.status_code == 302 and Report.objects.get(pk=report.pk).status == Status.SUBMITTED


def test_the_list_filters_by_kind_status_and_period(programme, client_for):
    people = programme["people"]
    manager, bureau = people["operator_manager"], people["county_bureau"]
    for month in (8, 9, 10):
        r = services.create_report(actor=manager, period=Period.month(2025, month), contract=programme["contract"])
        r = services.update_narrative(actor=manager, report=r, expected_version=r.version, summary="概述")
        services.submit(actor=manager, report=r)
    q = services.create_report(actor=bureau, period=Period.quarter(2025, 3), region=programme["regions"]["county"])
    client = client_for(bureau)
    everything = client.get("/reports/").content.decode()
    assert all(f"2025年{m}月工作月报" in everything for m in (8, 9, 10)) and "第三季度工作季报" in everything
    assert "第三季度工作季报" not in client.get("/reports/?kind=monthly").content.decode()
    only = client.get("/reports/?period=2025-09").content.decode()
    assert "2025年9月工作月报" in only and "2025年10月工作月报" not in only
    in_q3 = client.get("/reports/?period=2025-Q3").content.decode()
    assert "2025年8月" in in_q3 and "2025年10月" not in in_q3
    drafts = client.get("/reports/?status=draft").content.decode()
    assert f"/reports/{q.pk}/" in drafts and "2025年8月工作月报" not in drafts
    assert client.get("/reports/?period=nonsense").status_code == 200


def test_creating_needs_something_to_report_on(client_for, programme):
    assert client_for(programme["people"]["officer_a"]).get("/reports/new/").status_code == 404
    assert client_for(programme["people"]["admin"]).get("/reports/new/").status_code == 404
    county = client_for(programme["people"]["county_bureau"]).get("/reports/new/").content.decode()
    assert 'name="region"' in county and 'name="contract"' not in county


def test_the_county_report_page_names_its_townships(programme, client_for):
    bureau = programme["people"]["county_bureau"]
    report = services.create_report(actor=bureau, period=Period.quarter(2025, 3), region=programme["regions"]["county"])
    html = client_for(bureau).get(f"/reports/{report.pk}/").content.decode()
    children = _section(html, "report-children")
    assert programme["regions"]["township_a"].name in children and programme["regions"]["township_b"].name in children


def _add_reports(programme, n, start):
    manager = programme["people"]["operator_manager"]
    for i in range(start, start + n):
        year, month = 2025 - i // 12, 12 - i % 12
        r = services.create_report(actor=manager, period=Period.month(year, month), contract=programme["contract"],
                                   today=timezone.localdate())
        r = services.update_narrative(actor=manager, report=r, expected_version=r.version, summary=f"概述{i}")
        services.submit(actor=manager, report=r)


def test_list_and_detail_cost_a_fixed_number_of_queries(programme, client_for, django_assert_num_queries):
    """Pinned for shegong/core/tests/test_page_queries.py: the list with 2 or 10 reports, the report
    page with a short or long history."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    people = programme["people"]
    manager, bureau = people["operator_manager"], people["county_bureau"]
    client = client_for(bureau)

    def cost(url):
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    _add_reports(programme, 2, 2)  # November back: within the contract
    few = cost("/reports/")
    _add_reports(programme, 8, 4)
    many = cost("/reports/")
    assert few == many == LIST_QUERIES

    report = Report.objects.filter(status=Status.SUBMITTED).first()
    short = cost(f"/reports/{report.pk}/")
    for i in range(4):
        report = services.return_report(actor=bureau, report=report, comment=f"第{i}次退回")
        report = services.submit(actor=manager, report=report)
    long = cost(f"/reports/{report.pk}/")
    assert short == long == DETAIL_QUERIES


LIST_QUERIES = 8
DETAIL_QUERIES = 8
