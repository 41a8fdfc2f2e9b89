"""Simplified Chinese is complete: no English phrase shows on the main pages of any role."""

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

# Two or more English words in a row, as untranslated interface text looks ("Sign in", "Audit log").
ENGLISH_PHRASE = re.compile(r"\b[A-Za-z]{2,}(?: [A-Za-z]{2,})+\b")
ALLOWED = {"API", "IP", "Excel", "Microsoft Authenticator", "Google Authenticator", "FreeOTP", "English"}


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style|svg|code|pre)[^>]*>.*?</\1>", " ", html, flags=re.S)
    labels = " ".join(re.findall(r'aria-label="([^"]*)"', html))
    text = re.sub(r"<[^>]+>", " ", html)
    return f"{text} {labels}"


def english_phrases(html: str) -> set[str]:
    found = set()
    for phrase in ENGLISH_PHRASE.findall(visible_text(html)):
        if not any(allowed in phrase for allowed in ALLOWED):
            found.add(phrase)
    return found


@pytest.mark.parametrize("who", ["county_bureau", "officer_a", "worker_a", "evaluator", "admin"])
def test_main_pages_speak_chinese(who, people, regions, operator, client_for):
    from shegong.core import audit

    entry = audit.record("user.update", obj=people["worker_a"], actor=people["county_bureau"])
    client = client_for(people[who])
    urls = ["/", "/regions/", "/regions/210381/", "/accounts/profile/", "/accounts/users/", "/audit/",
            "/accounts/users/999999/", f"/accounts/users/{people['worker_a'].pk}/", f"/audit/{entry.pk}/",
            "/accounts/users/new/", "/stations/", "/stations/new/", "/stations/coverage/", "/stations/operators/",
            "/contracts/", "/contracts/new/", "/workforce/workers/", "/workforce/workers/new/", "/workforce/sessions/",
            "/workforce/volunteers/", "/workforce/wages/", "/policies/", f"/policies/?region={regions['county'].code}"]
    urls += recipients_pages(people, regions)
    urls += group_activity_pages(people, regions)
    urls += catalogue_attachment_pages(people, regions)
    urls += case_pages(people, regions)
    urls += visit_pages(people, regions)
    urls += monitoring_report_pages(people, regions, operator)
    for url in urls:
        response = client.get(url)
        if response.status_code in (200, 404):
            assert not english_phrases(response.content.decode()), (url, english_phrases(response.content.decode()))


def recipients_pages(people, regions):
    """The recipients pages, over the demo's households in township A and one checked list."""
    from datetime import date

    from shegong.recipients import demo, imports
    from shegong.recipients.models import DuplicateCandidate, Household, NeedsAssessment, Recipient, Referral, Resource
    from shegong.recipients.tests import workbooks

    if not Recipient.objects.exists():
        demo.build(townships=[regions["township_a"]], today=date(2026, 6, 1), per_township=6)
        batch = imports.create_batch(
            people["officer_a"], workbooks.upload(workbooks.xlsx(workbooks.family())), regions["township_a"].code
        )
        imports.check(batch)
    person = Recipient.objects.filter(merged_into=None).order_by("pk").first()
    pages = ["/recipients/", "/recipients/new/", "/recipients/households/", "/recipients/imports/",
             "/recipients/imports/new/", "/recipients/needs/", "/recipients/assessments/due/", "/recipients/resources/",
             "/recipients/resources/new/", "/recipients/duplicates/", f"/recipients/{person.pk}/",
             f"/recipients/{person.pk}/print/", f"/recipients/{person.pk}/edit/", f"/recipients/{person.pk}/referrals/new/"]
    pages += [f"/recipients/households/{Household.objects.first().pk}/",
              f"/recipients/assessments/{NeedsAssessment.objects.first().pk}/",
              f"/recipients/resources/{Resource.objects.first().pk}/",
              f"/recipients/referrals/{Referral.objects.first().pk}/",
              f"/recipients/duplicates/{DuplicateCandidate.objects.first().pk}/",
              f"/recipients/imports/{imports.ImportBatch.objects.first().pk}/"]
    return pages


def group_activity_pages(people, regions):
    """The group and activity pages (casework), over one group with a session and one activity."""
    from datetime import date

    from shegong.casework import models as cw
    from shegong.casework.tests.factories import make_activity, make_group
    from shegong.recipients.tests.factories import make_recipient, village_of

    village = village_of(regions["township_a"])
    group = cw.Group.objects.filter(name="语言检查小组").first() or make_group(village, people["worker_a"], name="语言检查小组")
    if not group.sessions.exists():
        member = cw.GroupMember.objects.create(group=group, recipient=make_recipient(village, "语言检查"), joined_on=date(2025, 4, 1))
        session = cw.GroupSession.objects.create(group=group, number=1, held_on=date(2025, 4, 8), topic="相识")
        cw.SessionAttendance.objects.create(session=session, member=member, present=True)
    session = group.sessions.first()
    activity = cw.Activity.objects.filter(title="语言检查活动").first() or make_activity(village, people["worker_a"], title="语言检查活动")
    return ["/casework/groups/", "/casework/groups/new/", f"/casework/groups/{group.pk}/", f"/casework/groups/{group.pk}/edit/",
            f"/casework/groups/{group.pk}/sessions/new/", f"/casework/sessions/{session.pk}/",
            f"/casework/sessions/{session.pk}/edit/", "/casework/activities/", "/casework/activities/new/",
            f"/casework/activities/{activity.pk}/", f"/casework/activities/{activity.pk}/edit/"]


def catalogue_attachment_pages(people, regions):
    """The service catalogue, its editor, and a visit's referral form (casework)."""
    from shegong.casework import services_catalogue
    from shegong.casework.tests.factories import make_visit
    from shegong.policies.models import PolicyProfile
    from shegong.recipients.tests.factories import make_recipient, village_of

    profile = PolicyProfile.objects.filter(region=regions["county"]).first() or PolicyProfile.objects.create(
        name="语言检查规则", region=regions["county"])
    services_catalogue.apply_catalogue_preset(None, profile, "haicheng")
    village = village_of(regions["township_a"])
    visit = make_visit(make_recipient(village, "转介检查"), people["worker_a"])
    return [f"/casework/catalogue/?region={village}", f"/casework/catalogue/?region={village}&retired=1",
            f"/casework/catalogue/profiles/{profile.pk}/", f"/casework/refer/visit/{visit.pk}/"]


def visit_pages(people, regions):
    """The home visit pages (casework): list, due, plans, form, a visit and its edit, the outbox."""
    from datetime import date

    from shegong.casework.models import PlannedVisit, PlanReason
    from shegong.casework.tests.factories import make_visit
    from shegong.recipients.tests.factories import make_recipient, village_of

    person = make_recipient(village_of(regions["township_a"]), "走访检查", status="in_service")
    visit = make_visit(person, people["worker_a"], on=date(2025, 3, 1), risks=["income_lost"], follow_ups=["open_case"])
    PlannedVisit.objects.create(region_id=person.region_id, recipient=person, reason=PlanReason.LEVEL,
                                due_on=date(2025, 3, 31), assigned_to=people["worker_a"])
    return ["/casework/visits/", "/casework/visits/?worker=", "/casework/visits/due/", "/casework/visits/plans/",
            f"/casework/visits/new/?recipient={person.pk}", "/casework/visits/new/?q=走访",
            f"/casework/visits/{visit.pk}/", f"/casework/visits/{visit.pk}/edit/", "/casework/outbox/",
            f"/recipients/{person.pk}/"]


def monitoring_report_pages(people, regions, operator):
    """The dashboards, the to-do list and the report pages, over the operator's contract of 2025 with
    its October report submitted and its September report returned with a comment."""
    from datetime import date

    from django.urls import reverse

    from shegong.contracts import services as contracts
    from shegong.contracts.models import Contract
    from shegong.monitoring.periods import Period
    from shegong.reports import services as reports
    from shegong.reports.models import Report
    from shegong.stations.models import Station

    contract = Contract.objects.filter(number="LANG-2025-001").first()
    if contract is None:
        stations = [
            Station.objects.filter(region=regions[t], operator=operator).first()
            or Station.objects.create(name=f"{regions[t].name}社会工作服务站", region=regions[t], operator=operator,
                                      status=Station.Status.OPERATING)
            for t in ("township_a", "township_b")
        ]
        contract = contracts.contract_create(
            actor=None, number="LANG-2025-001", purchaser_region=regions["county"], purchaser_name="海城市民政局",
            operator=operator, stations=stations, cycle_start=date(2025, 1, 1), period_start=date(2025, 1, 1),
            period_end=date(2025, 12, 31), signed_on=date(2025, 1, 6), amount="600000", status="active",
        )
        manager, bureau = people["operator_manager"], people["county_bureau"]
        for month in (9, 10):
            report = reports.create_report(actor=manager, period=Period.month(2025, month), contract=contract)
            report = reports.update_narrative(actor=manager, report=report, expected_version=report.version,
                                              summary="开展敬老活动。", highlights="链接志愿者。", problems="培训不足。",
                                              next_steps="补足培训。")
            report = reports.submit(actor=manager, report=report, expected_version=report.version)
            if month == 9:
                reports.return_report(actor=bureau, report=report, comment="请补充走访情况。",
                                      expected_version=report.version)
    report_pages = [reverse("reports:report_detail", args=[r.pk]) for r in Report.objects.filter(contract=contract)]
    county = regions["county"].code
    return [reverse("monitoring:home"), reverse("monitoring:todo"), reverse("monitoring:todo_summary"),
            reverse("monitoring:dashboard", args=[county]), reverse("monitoring:dashboard", args=[county]) + "?period=2025-Q3",
            reverse("monitoring:dashboard", args=[county]) + "?period=nonsense",
            reverse("monitoring:dashboard", args=[regions["township_a"].code]) + "?period=2025",
            reverse("monitoring:contract", args=[contract.pk]) + "?period=2025",
            reverse("reports:report_list"), reverse("reports:report_create"), *report_pages]


def case_pages(people, regions):
    """The case pages (casework): a case in plan review with a note, its actions, the approvals."""
    from datetime import date

    from shegong.casework import services_cases
    from shegong.casework.tests.factories import make_case
    from shegong.recipients.tests import factories as rf

    person = rf.make_recipient(rf.village_of(regions["township_a"]), "个案对象")
    case = make_case(person, people["worker_a"], supervisor=people["supervisor"], opened_on=date(2025, 3, 1))
    services_cases.record_assessment(people["worker_a"], case, assessment="独居")
    services_cases.submit_plan(people["worker_a"], case, goals="目标", actions="行动", timetable="三个月", review_on=date(2025, 6, 1))
    services_cases.add_note(people["worker_a"], case, text="机密")
    approval = services_cases.pending_approval(case)
    return ["/casework/cases/", "/casework/cases/new/", "/casework/cases/new/?q=个案", f"/casework/cases/new/?recipient={person.pk}",
            f"/casework/cases/{case.pk}/", f"/casework/cases/{case.pk}/edit/", f"/casework/cases/{case.pk}/records/new/",
            f"/casework/cases/{case.pk}/closure/", f"/casework/cases/{case.pk}/transfer/", "/casework/approvals/",
            f"/casework/approvals/{approval.pk}/"]


def test_anonymous_pages_speak_chinese(db):
    client = Client()
    for url in ["/accounts/login/"]:
        assert not english_phrases(client.get(url).content.decode())
    assert "登录" in client.get("/accounts/login/").content.decode()


def test_the_check_itself_catches_english():
    assert english_phrases("<p>Sign in</p>") == {"Sign in"}
