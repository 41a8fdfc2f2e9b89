"""The life of a report through the services: started, written, submitted, returned with a comment,
submitted again, approved, corrected by a second revision — and who may take each step.

Given the operator's October 2025 report of 海城市 (written by its manager, reviewed by the county
bureau) and the county's third-quarter report (written by the county bureau, reviewed by the city),
when each person takes the steps, then only the writer writes and submits, only the office above
returns (with a comment) or approves, nothing changes after submission but through a return, and
a correction is a new revision that leaves the approved one as it was.
"""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shegong.core.concurrency import EditConflict
from shegong.core.models import AuditEntry
from shegong.monitoring.periods import Period
from shegong.reports import services
from shegong.reports.models import Report, ReportEvent, Status

pytestmark = pytest.mark.django_db


def test_a_monthly_report_is_titled_and_figured_on_creation(monthly, programme):
    assert monthly.title == "海城市社会工作服务站2025年10月工作月报"
    assert (monthly.kind, monthly.period_key, monthly.status, monthly.revision) == ("monthly", "2025-10", "draft", 1)
    assert monthly.region_id == "210381" and monthly.operator == programme["operator"]
    keys = {f["key"] for f in monthly.snapshot["figures"]}
    assert {"cases", "activities", "visit_new", "training"} <= keys
    assert monthly.snapshot["report"]["contract"]["number"] == "HC-2025-001"
    assert monthly.created_by == programme["people"]["operator_manager"]
    assert list(monthly.events.values_list("action", flat=True)) == ["created"]


def test_submit_return_resubmit_approve(monthly, programme, add_activities):
    people = programme["people"]
    manager, bureau = people["operator_manager"], people["county_bureau"]

    submitted = services.submit(actor=manager, report=monthly)
    assert submitted.status == Status.SUBMITTED and submitted.submitted_by == manager

    with pytest.raises(ValidationError) as refused:
        services.return_report(actor=bureau, report=submitted, comment="   ")
    assert "comment" in refused.value.message_dict
    assert Report.objects.get(pk=monthly.pk).status == Status.SUBMITTED

    returned = services.return_report(actor=bureau, report=submitted, comment="请补充培训情况。")
    assert returned.status == Status.RETURNED and returned.return_comment == "请补充培训情况。"
    assert returned.events.filter(action="returned", comment="请补充培训情况。", actor=bureau).exists()

    # Resubmitting takes the figures again.
    add_activities(4)
    edited = services.update_narrative(actor=manager, report=returned, expected_version=returned.version,
                                       problems="培训时长不足，已安排十一月集中培训。")
    again = services.submit(actor=manager, report=edited)
    activities = next(f for f in again.snapshot["figures"] if f["key"] == "activities")
    assert activities["actual"] == "4"

    approved = services.approve(actor=bureau, report=again)
    assert approved.status == Status.APPROVED and approved.approved_by == bureau
    assert approved.xlsx_file and approved.docx_file and approved.pdf_file
    assert list(approved.events.values_list("action", flat=True)) == ["created", "submitted", "returned", "submitted", "approved"]
    actions = set(AuditEntry.objects.filter(object_type="reports.report", object_id=str(monthly.pk)).values_list("action", flat=True))
    assert {"report.create", "report.update", "report.submit", "report.return", "report.approve"} <= actions


def test_nothing_changes_after_submission(monthly, programme):
    manager = programme["people"]["operator_manager"]
    submitted = services.submit(actor=manager, report=monthly)
    with pytest.raises(ValidationError):
        services.update_narrative(actor=manager, report=submitted, expected_version=submitted.version, summary="改过")
    with pytest.raises(ValidationError):
        services.submit(actor=manager, report=submitted)
    with pytest.raises(ValidationError):
        services.refresh_figures(actor=manager, report=submitted)
    assert Report.objects.get(pk=monthly.pk).summary == "十月，两个社工站开展重阳节敬老活动。"


def test_a_report_without_a_summary_is_not_submitted(programme, october):
    manager = programme["people"]["operator_manager"]
    report = services.create_report(actor=manager, period=october, contract=programme["contract"])
    with pytest.raises(ValidationError) as refused:
        services.submit(actor=manager, report=report)
    assert "summary" in refused.value.message_dict
    assert Report.objects.get(pk=report.pk).status == Status.DRAFT


def test_a_stale_edit_is_refused(monthly, programme):
    manager = programme["people"]["operator_manager"]
    read_at = monthly.version
    services.update_narrative(actor=manager, report=monthly, expected_version=read_at, summary="第一次保存")
    with pytest.raises(EditConflict):
        services.update_narrative(actor=manager, report=monthly, expected_version=read_at, summary="第二次保存")
    assert Report.objects.get(pk=monthly.pk).summary == "第一次保存"


def test_only_the_writer_writes_and_only_the_office_above_reviews(monthly, programme, make_user):
    people = programme["people"]
    for who in ("county_bureau", "city_bureau", "admin", "officer_a", "province_bureau"):
        with pytest.raises(PermissionDenied):
            services.update_narrative(actor=people[who], report=monthly, expected_version=monthly.version, summary="x")
        with pytest.raises(PermissionDenied):
            services.submit(actor=people[who], report=monthly)
    submitted = services.submit(actor=people["operator_manager"], report=monthly)
    for who in ("operator_manager", "city_bureau", "province_bureau", "admin", "officer_a"):
        with pytest.raises(PermissionDenied):
            services.approve(actor=people[who], report=submitted)
        with pytest.raises(PermissionDenied):
            services.return_report(actor=people[who], report=submitted, comment="不行")
    assert Report.objects.get(pk=monthly.pk).status == Status.SUBMITTED


def test_the_county_report_goes_to_the_city(programme):
    people = programme["people"]
    q3 = Period.quarter(2025, 3)
    report = services.create_report(actor=people["county_bureau"], period=q3, region=programme["regions"]["county"])
    assert report.title == "海城市社会工作服务站2025年第三季度工作季报" and report.operator is None
    assert {c["code"][:6] for c in report.snapshot["children"]} == {"210381"}  # its townships
    with pytest.raises(PermissionDenied):
        services.create_report(actor=people["operator_manager"], period=Period.quarter(2025, 2),
                               region=programme["regions"]["county"])
    report = services.update_narrative(actor=people["county_bureau"], report=report, expected_version=report.version,
                                       summary="三季度运行平稳。")
    report = services.submit(actor=people["county_bureau"], report=report)
    with pytest.raises(PermissionDenied):
        services.approve(actor=people["county_bureau"], report=report)  # not its own
    assert services.approve(actor=people["city_bureau"], report=report).status == Status.APPROVED


def test_one_report_per_period(monthly, programme, october):
    with pytest.raises(ValidationError):
        services.create_report(actor=programme["people"]["operator_manager"], period=october, contract=programme["contract"])


def test_the_period_must_suit_the_contract_and_the_kind(programme):
    manager = programme["people"]["operator_manager"]
    with pytest.raises(ValidationError):  # before the contract
        services.create_report(actor=manager, period=Period.month(2024, 12), contract=programme["contract"])
    with pytest.raises(ValidationError):  # not yet begun
        services.create_report(actor=manager, period=Period.month(2099, 1), contract=programme["contract"])
    with pytest.raises(ValidationError):  # a monthly report of a city
        services.create_report(actor=programme["people"]["city_bureau"], period=Period.month(2025, 10),
                               region=programme["regions"]["city"])
    with pytest.raises(ValidationError):  # an irregular run of months
        services.create_report(actor=manager, period=Period.between(date(2025, 2, 1), date(2025, 4, 1)),
                               contract=programme["contract"])


def test_a_correction_is_a_second_revision_and_the_first_stays(monthly, programme, add_activities):
    people = programme["people"]
    manager, bureau = people["operator_manager"], people["county_bureau"]
    approved = services.approve(actor=bureau, report=services.submit(actor=manager, report=monthly))
    before = Report.objects.filter(pk=approved.pk).values().get()

    with pytest.raises(ValidationError):
        services.correct(actor=manager, report=approved, reason=" ")
    with pytest.raises(PermissionDenied):
        services.correct(actor=bureau, report=approved, reason="数据有误")
    add_activities(2)
    v2 = services.correct(actor=manager, report=approved, reason="十月漏报两次活动")
    assert (v2.revision, v2.status, v2.supersedes_id) == (2, Status.DRAFT, approved.pk)
    assert v2.summary == approved.summary and v2.title == approved.title
    assert next(f for f in v2.snapshot["figures"] if f["key"] == "activities")["actual"] == "2"
    with pytest.raises(ValidationError):
        services.correct(actor=manager, report=approved, reason="再改一次")  # v2 exists: change that one

    assert Report.objects.filter(pk=approved.pk).values().get() == before  # v1 untouched, row for row
    assert ReportEvent.objects.filter(report=approved, action="corrected", comment="十月漏报两次活动").exists()
    v2 = services.submit(actor=manager, report=v2)
    v2 = services.approve(actor=bureau, report=v2)
    assert Report.objects.get(pk=approved.pk).status == Status.APPROVED
    assert approved.superseded_by == v2


def test_the_database_keeps_one_report_per_period_even_without_an_operator(programme):
    """The constraint holds for place reports too (no operator: NULL is not distinct here)."""
    from django.db import IntegrityError, transaction

    county = programme["regions"]["county"]
    fields = {"kind": "quarterly", "region": county, "period_key": "2025-Q3", "period_start": date(2025, 7, 1),
              "period_end": date(2025, 9, 30), "title": "海城市社会工作服务站2025年第三季度工作季报"}
    Report.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Report.objects.create(**fields)
    Report.objects.create(**fields, revision=2)  # a correction is another revision
