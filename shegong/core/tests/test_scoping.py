"""Jurisdiction scoping: a role × place matrix, and a walk over every URL and every scoped model.

Given users in township A, township B, the county above both, and an evaluator,
when each lists, opens, changes or exports users and audit rows, by page and by API,
then nobody reaches outside their jurisdiction, and outside is a 404 exactly like missing.
"""

import pytest
from django.apps import apps
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver

from shegong.accounts.models import RoleAssignment, User
from shegong.contracts.models import Contract
from shegong.core import audit
from shegong.core.models import AuditEntry
from shegong.core.scoping import CHANGE, ScopeRule, scoped_models
from shegong.policies.models import PolicyProfile, PolicyVersion
from shegong.regions.models import Region
from shegong.stations.models import Disclosure, Evidence, Operator, Station

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(people, regions, other_operator):
    """Audit rows placed in each township, plus the people fixture."""
    rows = {
        "a": audit.record("test.event", region_code=regions["township_a"].code, object_repr="MARK-A-EVENT"),
        "b": audit.record("test.event", region_code=regions["township_b"].code, object_repr="MARK-B-EVENT"),
        "county": audit.record("test.event", region_code=regions["county"].code, object_repr="MARK-COUNTY-EVENT"),
    }
    return {**people, "rows": rows, "other_operator": other_operator}


def usernames(qs):
    return set(qs.values_list("username", flat=True))


class TestMatrix:
    def test_township_officer_sees_only_its_township(self, world):
        visible = usernames(User.objects.visible_to(world["officer_a"]))
        assert {"officer_a", "station_lead", "worker_a"} <= visible
        assert not visible & {"officer_b", "worker_b", "county_bureau", "operator_manager", "admin"}

    def test_county_bureau_sees_both_townships_and_changes_them(self, world):
        visible = usernames(User.objects.visible_to(world["county_bureau"]))
        assert {"officer_a", "officer_b", "worker_a", "worker_b", "county_bureau"} <= visible
        assert not visible & {"city_bureau", "province_bureau", "admin"}
        changeable = usernames(User.objects.visible_to(world["county_bureau"], CHANGE))
        assert {"officer_a", "worker_b"} <= changeable

    def test_township_officer_changes_nobody(self, world):
        assert not User.objects.visible_to(world["officer_a"], CHANGE).exists()

    def test_evaluator_and_worker_see_nothing_by_default(self, world):
        for who in ("evaluator", "worker_a", "supervisor"):
            assert not User.objects.visible_to(world[who]).exists()
            assert not AuditEntry.objects.visible_to(world[who]).exists()

    def test_province_sees_everything_below(self, world):
        visible = usernames(User.objects.visible_to(world["province_bureau"]))
        assert {"city_bureau", "county_bureau", "worker_a", "worker_b"} <= visible

    def test_operator_manager_sees_only_its_operators_people(self, world, make_user, regions):
        stranger = make_user("worker", regions["township_a"], operator=world["other_operator"], username="stranger")
        visible = usernames(User.objects.visible_to(world["operator_manager"]))
        assert {"worker_a", "worker_b", "station_lead"} <= visible
        assert stranger.username not in visible
        assert "officer_a" not in visible  # a township officer works for no operator

    def test_person_in_two_townships_is_changeable_only_by_who_governs_both(self, world, regions):
        RoleAssignment.objects.create(user=world["worker_a"], role="worker", region=regions["township_b"])
        officer_b = world["officer_b"]
        assert "worker_a" in usernames(User.objects.visible_to(officer_b))
        b_bureau = User.objects.create(username="b_bureau")
        RoleAssignment.objects.create(user=b_bureau, role="bureau", region=regions["county"])
        assert "worker_a" in usernames(User.objects.visible_to(b_bureau, CHANGE))

    def test_audit_rows_follow_the_region(self, world):
        a = set(AuditEntry.objects.visible_to(world["officer_a"]).values_list("object_repr", flat=True))
        assert "MARK-A-EVENT" in a and "MARK-B-EVENT" not in a and "MARK-COUNTY-EVENT" not in a
        county = set(AuditEntry.objects.visible_to(world["county_bureau"]).values_list("object_repr", flat=True))
        assert {"MARK-A-EVENT", "MARK-B-EVENT", "MARK-COUNTY-EVENT"} <= county

    def test_deactivated_user_sees_nothing(self, world):
        bureau = world["county_bureau"]
        bureau.is_active = False
        assert not User.objects.visible_to(bureau).exists()


class TestPagesAndApi:
    def test_township_a_cannot_list_open_change_or_export_township_b(self, world, client_for):
        client = client_for(world["officer_a"])
        b = world["worker_b"]
        page = client.get("/accounts/users/")
        assert page.status_code == 200
        assert b"worker_a" in page.content and b"worker_b" not in page.content
        assert client.get(f"/accounts/users/{b.pk}/").status_code == 404
        assert client.get(f"/accounts/users/{b.pk}/edit/").status_code == 404
        assert client.post(f"/accounts/users/{b.pk}/active/", {"active": "0"}).status_code == 404
        b.refresh_from_db()
        assert b.is_active
        export = client.get("/accounts/users/?format=xlsx")
        assert export.status_code == 200
        assert b"worker_b" not in _xlsx_text(export.content)
        assert b"worker_a" in _xlsx_text(export.content)
        audit_page = client.get("/audit/")
        assert b"MARK-A-EVENT" in audit_page.content and b"MARK-B-EVENT" not in audit_page.content
        assert client.get(f"/audit/{world['rows']['b'].pk}/").status_code == 404
        audit_export = _xlsx_text(client.get("/audit/?format=xlsx").content)
        assert b"MARK-A-EVENT" in audit_export and b"MARK-B-EVENT" not in audit_export

    def test_out_of_jurisdiction_is_the_same_404_as_missing(self, world, client_for):
        client = client_for(world["officer_a"])
        outside = client.get(f"/accounts/users/{world['worker_b'].pk}/")
        missing = client.get("/accounts/users/999999/")
        assert outside.status_code == missing.status_code == 404
        assert _without_csrf(outside.content) == _without_csrf(missing.content)
        api_outside = client.get(f"/api/v1/users/{world['worker_b'].pk}/")
        api_missing = client.get("/api/v1/users/999999/")
        assert api_outside.status_code == api_missing.status_code == 404
        assert api_outside.json() == api_missing.json() | {"instance": api_outside.json()["instance"]}

    def test_api_lists_only_the_jurisdiction(self, world, client_for):
        client = client_for(world["officer_a"])
        names = {u["username"] for u in client.get("/api/v1/users/").json()["results"]}
        assert "worker_a" in names and "worker_b" not in names
        reprs = {e["object_repr"] for e in client.get("/api/v1/audit/").json()["results"]}
        assert "MARK-A-EVENT" in reprs and "MARK-B-EVENT" not in reprs
        assert client.get(f"/api/v1/audit/{world['rows']['b'].pk}/").status_code == 404
        assert client.patch(f"/api/v1/users/{world['worker_b'].pk}/", {"name": "x"}, content_type="application/json").status_code == 404

    def test_county_user_sees_both_townships_by_page_and_api(self, world, client_for):
        client = client_for(world["county_bureau"])
        page = client.get("/accounts/users/")
        assert b"worker_a" in page.content and b"worker_b" in page.content
        assert client.get(f"/accounts/users/{world['worker_b'].pk}/").status_code == 200
        names = {u["username"] for u in client.get("/api/v1/users/").json()["results"]}
        assert {"worker_a", "worker_b"} <= names
        audit_page = client.get("/audit/")
        assert b"MARK-A-EVENT" in audit_page.content and b"MARK-B-EVENT" in audit_page.content

    def test_home_page_shows_only_the_jurisdictions_activity(self, world, client_for):
        page = client_for(world["officer_a"]).get("/")
        assert b"MARK-A-EVENT" in page.content and b"MARK-B-EVENT" not in page.content

    def test_evaluator_sees_nothing_by_page_or_api(self, world, client_for):
        client = client_for(world["evaluator"])
        page = client.get("/accounts/users/")
        assert b"worker_a" not in page.content
        assert client.get(f"/accounts/users/{world['worker_a'].pk}/").status_code == 404
        assert client.get("/api/v1/users/").json()["results"] == []
        assert client.get("/api/v1/audit/").json()["results"] == []
        assert b"MARK-A-EVENT" not in client.get("/audit/").content


def _without_csrf(content: bytes) -> bytes:
    import re

    """The page without its per-request values (CSRF token, CSP nonce)."""
    content = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", content)
    return re.sub(rb'nonce="[^"]+"', b"", content)


def _xlsx_text(content: bytes) -> bytes:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return b"".join(z.read(n) for n in z.namelist() if n.endswith(".xml"))


# ---- The walk: every URL and every scoped model -------------------------------------------

# URLs that serve no personal data, with the reason.
PUBLIC_URLS = {
    "accounts:login": "the sign-in form",
    "accounts:logout": "ends the caller's own session",
    "accounts:otp_verify": "the caller's own second factor",
    "accounts:otp_enrol": "the caller's own second factor",
    "accounts:profile": "the caller's own account",
    "set_language": "a language cookie",
    "api-schema": "the OpenAPI schema",
    "core:home": "the caller's own assignments and scoped recent audit rows (checked below)",
    "regions:browse": "public administrative divisions",
    "regions:detail": "public administrative divisions",
    "v1:region-list": "public administrative divisions",
    "v1:region-detail": "public administrative divisions",
    "v1:me": "the caller's own account",
    "accounts:user_create": "a form; its choices are checked in test_views",
    "contracts:contract_create": "a form; its choices are checked in contracts/tests",
    "reports:report_create": "a form; its contract and place choices come from visible_to and the writer rules (404 with none), reports/tests/test_pages.py",
    "stations:station_create": "a form; its choices are checked in stations/tests",
    "policies:in_force": "public rules of a place; writes checked with may_act_at in policies/tests",
    "stations:operator_create": "a form; its choices are checked in stations/tests",
    "stations:coverage": "public region tree with stations counted through visible_to (stations/tests)",
    "workforce:worker_create": "a form; its choices are checked in workforce/tests",
    "workforce:session_create": "a form; its choices are checked in workforce/tests",
    "workforce:worker_import": "an upload form; rows are checked against visible stations in workforce/tests",
    "workforce:volunteer_create": "a form; its station choices are checked in workforce/tests",
    "workforce:wage_set": "a form; its place choices are checked in workforce/tests",
    "v1:recipient-search": "POST-only search by ID number (no GET to walk); scoped search checked in recipients/tests/test_api.py",
    "recipients:resource_create": "a form; its place choices are checked in recipients/tests/test_resources.py",
    "recipients:recipient_create": "a form; its village and household choices are checked in recipients/tests",
    "recipients:import_upload": "an upload form; its township choices and create_batch's check are tested in recipients/tests/test_imports_pages.py",
    "recipients:import_template": "an empty workbook of column headers",
    "casework:group_create": "a form; its place, leader and item choices are checked in casework/tests/test_groups_pages.py",
    "casework:activity_create": "a form; its place, volunteer and item choices are checked in casework/tests/test_activities_pages.py",
    "casework:case_create": "a form; its person and visit come from visible_to (404 otherwise), checked in casework/tests/test_cases_pages.py",
    "casework:catalogue": "the service catalogue in force at a place: a public rule, like policies:in_force",
    "casework:visit_create": "a form; its person comes from visible_to(CHANGE) (404 otherwise) and the name search is scoped, checked in casework/tests/test_visits.py",
    "casework:plan_run": "POST only; plans the caller's own stations (station leads), checked in casework/tests/test_visits.py",
    "casework:outbox": "a static page the browser fills from its own storage (forms kept on the device)",
    "v1:catalogue-list": "the service catalogue in force at a place (public rule); POST checks the profile's CHANGE scope (casework/tests/test_catalogue.py)",
    "v1:kpi-list": "a place's figures (counts): access.check answers 404 outside the caller's places, checked in monitoring/tests/test_api.py",
    "v1:todo-list": "the caller's own to-do list, every part read through visible_to (monitoring/tests/test_alerts.py, test_api.py)",
    "monitoring:home": "redirects to the caller's own widest place (access.roots), or lists them and the contracts of visible_to (monitoring/tests/test_dashboard.py)",
    "monitoring:todo": "the caller's own to-do list, every part read through visible_to (monitoring/tests/test_alerts.py)",
    "monitoring:todo_summary": "counts of the caller's own to-do list (monitoring/tests/test_alerts.py)",
}

# URLs that serve or change personal data: how to aim each at an object in township B.
OBJECT_URLS = {
    "accounts:user_list": (None, "worker_b"),
    "accounts:user_detail": ("worker_b", None),
    "accounts:user_edit": ("worker_b", None),
    "accounts:user_grant": ("worker_b", None),
    "accounts:user_revoke": ("worker_b", "assignment"),
    "accounts:user_set_active": ("worker_b", None),
    "accounts:user_reset_password": ("worker_b", None),
    "accounts:user_unlock": ("worker_b", None),
    "core:audit_list": (None, "MARK-B-EVENT"),
    "stations:station_list": (None, "兴海街道社工站"),
    "policies:profile_detail": ("policy_b", None),
    "stations:station_detail": ("station_b", None),
    "stations:station_edit": ("station_b", None),
    "stations:evidence_add": ("station_b", None),
    "stations:evidence_file": ("evidence_b", None),
    "stations:operator_list": (None, "鞍山市乐群社会工作服务社"),
    "stations:operator_detail": ("other_operator", None),
    "v1:station-list": (None, "兴海街道社工站"),
    "v1:station-detail": ("station_b", None),
    "v1:station-eight-haves": ("station_b", None),
    "v1:operator-list": (None, "鞍山市乐群社会工作服务社"),
    "v1:operator-detail": ("other_operator", None),
    "core:audit_detail": ("audit_b", None),
    "contracts:contract_list": (None, "MARK-B-CONTRACT"),
    "contracts:contract_detail": ("contract_b", None),
    "contracts:contract_targets": ("contract_b", None),
    "contracts:instalment_add": ("contract_b", None),
    "contracts:payment_add": ("contract_b", None),
    "contracts:renewal_decide": ("contract_b", None),
    "v1:contract-list": (None, "MARK-B-CONTRACT"),
    "v1:contract-detail": ("contract_b", None),
    "v1:kpi-contract-detail": ("contract_b", None),
    "monitoring:dashboard": ("region_b", None),
    "monitoring:contract": ("contract_b", None),
    "v1:user-list": (None, "worker_b"),
    "v1:user-detail": ("worker_b", None),
    "v1:user-deactivate": ("worker_b", None),
    "v1:user-reactivate": ("worker_b", None),
    "v1:audit-list": (None, "MARK-B-EVENT"),
    "v1:audit-detail": ("audit_b", None),
    "workforce:worker_list": (None, "MARK-B-WORKER"),
    "workforce:worker_detail": ("wf:worker_b", None),
    "workforce:worker_edit": ("wf:worker_b", None),
    "workforce:worker_assign": ("wf:worker_b", None),
    "workforce:session_list": (None, "MARK-B-SESSION"),
    "workforce:session_detail": ("wf:session_b", None),
    "workforce:volunteer_list": (None, "MARK-B-VOLUNTEER"),
    "workforce:volunteer_detail": ("wf:volunteer_b", None),
    "workforce:wage_list": (None, "MARK-B-WAGE"),
    "v1:worker-list": (None, "MARK-B-WORKER"),
    "v1:worker-detail": ("wf:worker_b", None),
    "v1:session-list": (None, "MARK-B-SESSION"),
    "v1:session-detail": ("wf:session_b", None),
    "v1:volunteer-list": (None, "MARK-B-VOLUNTEER"),
    "v1:volunteer-detail": ("wf:volunteer_b", None),
    "v1:volunteer-hours": ("wf:volunteer_b", None),
    "v1:wage-list": (None, "MARK-B-WAGE"),
    "v1:wage-detail": ("wf:wage_b", None),
    "v1:recipient-list": (None, "乙某某"),
    "v1:recipient-detail": ("rc:Recipient", None),
    "v1:recipient-unmask": ("rc:Recipient", None),
    "v1:recipient-status": ("rc:Recipient", None),
    "v1:recipient-timeline": ("rc:Recipient", None),
    "v1:recipient-categories": ("rc:Recipient", None),
    "v1:household-list": (None, "乙户主"),
    "v1:household-detail": ("rc:Household", None),
    "v1:assessment-list": (None, "乙户主"),
    "v1:assessment-detail": ("rc:NeedsAssessment", None),
    "v1:need-list": (None, "乙某某"),
    "v1:resource-list": (None, "MARK-B-RESOURCE"),
    "v1:resource-detail": ("rc:Resource", None),
    "v1:referral-list": (None, "乙某某"),
    "v1:referral-detail": ("rc:Referral", None),
    "v1:duplicate-list": (None, "乙某某"),
    "v1:duplicate-detail": ("rc:DuplicateCandidate", None),
    "v1:duplicate-merge": ("rc:DuplicateCandidate", None),
    "v1:duplicate-dismiss": ("rc:DuplicateCandidate", None),
    "v1:import-list": (None, "b.xlsx"),
    "v1:import-detail": ("rc:ImportBatch", None),
    "v1:import-commit": ("rc:ImportBatch", None),
    "v1:import-discard": ("rc:ImportBatch", None),
    "recipients:household_assessments": ("rc:Household", None),
    "recipients:assessment_create": ("rc:Household", None),
    "recipients:assessment_detail": ("rc:NeedsAssessment", None),
    "recipients:need_update": ("rc:NeedItem", None),
    "recipients:assessments_due": (None, "乙户主"),
    "recipients:needs_list": (None, "乙户主"),
    "recipients:resource_list": (None, "MARK-B-RESOURCE"),
    "recipients:resource_detail": ("rc:Resource", None),
    "recipients:resource_edit": ("rc:Resource", None),
    "recipients:resource_check": ("rc:Resource", None),
    "recipients:referral_create": ("rc:Recipient", None),
    "recipients:referral_update": ("rc:Referral", None),
    "recipients:duplicate_list": (None, "乙某某"),
    "recipients:duplicate_detail": ("rc:DuplicateCandidate", None),
    "recipients:duplicate_merge": ("rc:DuplicateCandidate", None),
    "recipients:duplicate_dismiss": ("rc:DuplicateCandidate", None),
    "recipients:recipient_list": (None, "乙某某"),
    "recipients:recipient_search_id": (None, "乙某某"),
    "recipients:recipient_detail": ("rc:Recipient", None),
    "recipients:recipient_edit": ("rc:Recipient", None),
    "recipients:recipient_print": ("rc:Recipient", None),
    "recipients:recipient_unmask": ("rc:Recipient", None),
    "recipients:recipient_status": ("rc:Recipient", None),
    "recipients:attachment_add": ("rc:Recipient", None),
    "recipients:attachment_file": ("rc:Attachment", None),
    "recipients:household_list": (None, "乙户主"),
    "recipients:household_options": (None, "乙户主"),
    "recipients:household_detail": ("rc:Household", None),
    "recipients:household_edit": ("rc:Household", None),
    "recipients:import_list": (None, "b.xlsx"),
    "recipients:import_detail": ("rc:ImportBatch", None),
    "recipients:import_progress": ("rc:ImportBatch", None),
    "recipients:import_errors": ("rc:ImportBatch", None),
    "recipients:import_commit": ("rc:ImportBatch", None),
    "recipients:import_discard": ("rc:ImportBatch", None),
    "v1:recipient-attachments": ("rc:Recipient", None),
    "v1:attachment-detail": ("rc:Attachment", None),
    "v1:attachment-file": ("rc:Attachment", None),
    # Groups and activities (casework/views_groups.py, views_activities.py, api_groups.py, api_activities.py)
    "casework:group_list": (None, "MARK-B-GROUP"),
    "casework:person_search": (None, "乙某某"),
    "casework:group_detail": ("cw:Group", None),
    "casework:group_edit": ("cw:Group", None),
    "casework:group_member_add": ("cw:Group", None),
    "casework:group_member_leave": ("cw:Group", None),
    "casework:session_create": ("cw:Group", None),
    "casework:session_detail": ("cw:GroupSession", None),
    "casework:session_edit": ("cw:GroupSession", None),
    "casework:activity_list": (None, "MARK-B-ACTIVITY"),
    "casework:activity_detail": ("cw:Activity", None),
    "casework:activity_edit": ("cw:Activity", None),
    "casework:activity_delete": ("cw:Activity", None),
    "v1:group-list": (None, "MARK-B-GROUP"),
    "v1:group-detail": ("cw:Group", None),
    "v1:group-validity": ("cw:Group", None),
    "v1:group-members": ("cw:Group", None),
    "v1:group-leave": ("cw:Group", None),
    "v1:group-sessions": ("cw:Group", None),
    "v1:group-session-detail": ("cw:GroupSession", None),
    "v1:activity-list": (None, "MARK-B-ACTIVITY"),
    "v1:activity-detail": ("cw:Activity", None),
    # Cases (casework/views_cases.py, api_cases.py)
    "casework:case_list": (None, "乙某某"),
    **{f"casework:{n}": ("cw:Case", None) for n in (
        "case_detail", "case_edit", "case_assess", "case_plan", "case_record", "case_review", "case_continue",
        "case_closure", "case_reopen", "case_note", "case_transfer", "case_assign")},
    "casework:approval_list": (None, "乙某某"),
    "casework:approval_decide": ("cw:Approval", None),
    "v1:case-list": (None, "乙某某"),
    **{f"v1:case-{n}": ("cw:Case", None) for n in (
        "detail", "assess", "submit-plan", "review", "continue", "submit-closure", "reopen", "transfer", "assign",
        "records", "notes")},
    "v1:case-plan-list": (None, "MARK-B"),
    "v1:case-plan-detail": ("cw:CasePlan", None),
    "v1:case-approval-list": (None, "-2025-T"),
    "v1:case-approval-detail": ("cw:Approval", None),
    "v1:case-approval-decide": ("cw:Approval", None),
    # Catalogue, attachments, referrals from records (casework/views_catalogue.py, views_attachments.py,
    # views_referrals.py, api_catalogue.py, api_attachments.py). "owner": the URL takes owner_kind/owner_pk.
    "casework:catalogue_edit": ("policy_b", None),
    "casework:attachment_upload": ("cw:Visit", "owner"),
    "casework:attachment_file": ("cw:Attachment", None),
    "casework:attachment_thumb": ("cw:Attachment", None),
    "casework:attachment_remove": ("cw:Attachment", None),
    "casework:refer": ("cw:Visit", "owner"),
    "v1:catalogue-domain-list": (None, "社会救助"),
    "v1:catalogue-domain-detail": ("cw:ServiceDomain", None),
    "v1:catalogue-item-list": (None, "低保对象走访"),
    "v1:catalogue-item-detail": ("cw:ServiceItem", None),
    "v1:cw-attachment-list": (None, "image/png"),
    "v1:cw-attachment-detail": ("cw:Attachment", None),
    "v1:cw-attachment-file": ("cw:Attachment", None),
    "v1:cw-attachment-thumbnail": ("cw:Attachment", None),
    "v1:cw-referral-list": (None, "MARK-B-REFERRAL"),
    # Home visits and plans (casework/views_visits.py, api_visits.py)
    "casework:visit_list": (None, "乙某某"),
    "casework:visit_due": (None, "乙某某"),
    "casework:plan_list": (None, "乙某某"),
    "casework:visit_detail": ("cw:Visit", None),
    "casework:visit_edit": ("cw:Visit", None),
    "casework:plan_assign": ("cw:PlannedVisit", None),
    "v1:visit-list": (None, "乙某某"),
    "v1:visit-detail": ("cw:Visit", None),
    "v1:planned-visit-list": (None, "乙某某"),
    "v1:planned-visit-detail": ("cw:PlannedVisit", None),
    "v1:planned-visit-assign": ("cw:PlannedVisit", None),
    # Reports (reports/views.py, api.py): a report of township B (see _report_b)
    "reports:report_list": (None, "MARK-B-REPORT"),
    **{f"reports:{n}": ("rp:Report", None) for n in (
        "report_detail", "report_edit", "report_submit", "report_return", "report_approve", "report_correct",
        "report_refresh", "report_xlsx", "report_docx", "report_pdf")},
    "v1:report-list": (None, "MARK-B-REPORT"),
    **{f"v1:report-{n}": ("rp:Report", None) for n in (
        "detail", "submit", "return", "approve", "correct", "xlsx", "docx", "pdf")},
}


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{p.namespace}:" if p.namespace else ""
            yield from _walk(p.url_patterns, prefix + ns)
        elif isinstance(p, URLPattern) and p.name:
            yield prefix + p.name


def test_every_url_is_classified():
    names = set(_walk(get_resolver().url_patterns))
    names = {n for n in names if not n.endswith(("-format-suffix",))}
    unclassified = names - set(PUBLIC_URLS) - set(OBJECT_URLS)
    assert not unclassified, f"URLs with no scoping test: {sorted(unclassified)}"


@pytest.mark.parametrize("name", sorted(OBJECT_URLS))
def test_every_personal_url_is_scoped(name, world, client_for):
    from django.urls import reverse

    target, marker = OBJECT_URLS[name]
    client = client_for(world["officer_a"])
    b_user = world["worker_b"]
    kwargs = {}
    if target == "worker_b":
        kwargs["pk"] = b_user.pk
    elif target == "audit_b":
        kwargs["pk"] = world["rows"]["b"].pk
    elif target == "policy_b":
        kwargs["pk"] = PolicyProfile.objects.create(name="B 乡镇规则", region=_station_b(world, None).region).pk
    elif target == "station_b":
        kwargs["pk"] = _station_b(world, None).pk
    elif target == "evidence_b":
        kwargs["pk"] = Evidence.objects.create(station=_station_b(world, None), item="rules", kind="note", note="x").pk
    elif target == "other_operator":
        kwargs["pk"] = world["other_operator"].pk
    elif target == "contract_b":
        kwargs["pk"] = _contract_b(world, None).pk
    elif target == "region_b":  # a place's figures: township B's dashboard
        kwargs["code"] = b_user.role_assignments.get().region_id
    elif target == "rp:Report":
        kwargs["pk"] = _report_b(world, None).pk
    elif target and target.startswith("wf:"):
        kwargs["pk"] = _wf(world, None, target[3:]).pk
    elif target and target.startswith("rc:"):  # a recipients model in township B (see _rc)
        kwargs["pk"] = _rc(world, None, target[3:]).pk
    elif target and target.startswith("cw:"):  # a casework model in township B (see _cw)
        kwargs["pk"] = _cw(world, None, target[3:]).pk
    if target is None and name.startswith(("recipients:", "v1:recipient", "v1:household", "v1:resource", "v1:referral", "v1:assessment", "v1:need", "v1:duplicate", "v1:import")):
        for what in ("DuplicateCandidate", "Resource", "ImportBatch", "Referral", "Attachment"):
            _rc(world, None, what)  # rows the list must not show: 乙某某, 乙户主, MARK-B-RESOURCE, b.xlsx
    if target is None and name.startswith(("workforce:", "v1:worker", "v1:session", "v1:volunteer", "v1:wage")):
        for what in ("worker_b", "session_b", "volunteer_b", "wage_b"):
            _wf(world, None, what)  # rows the list must not show
    if target is None and name.startswith(("casework:group", "casework:activit", "casework:person", "v1:group", "v1:activit")):
        for what in ("Group", "Activity"):
            _cw(world, None, what)  # rows the list must not show: MARK-B-GROUP, MARK-B-ACTIVITY (and 乙某某)
    if target is None and name.startswith(("casework:case", "casework:approval", "v1:case")):
        for what in ("CasePlan", "Approval"):
            _cw(world, None, what)  # rows the list must not show: 乙某某, MARK-B, a case number
    if target is None and name.startswith(("casework:visit", "casework:plan", "v1:visit", "v1:planned-visit")):
        for what in ("Visit", "PlannedVisit"):
            _cw(world, None, what)  # rows the lists must not show: 乙某某
    if target is None and name.startswith(("v1:catalogue-", "v1:cw-")):
        _cw(world, None, "ServiceItem")  # rows the lists must not show: 社会救助, 低保对象走访
        _cw(world, None, "Attachment")  # image/png
        from shegong.recipients.models import Referral

        visit_b = _cw(world, None, "Visit")
        Referral.objects.create(recipient=visit_b.recipient, agency="镇卫生院", reason="MARK-B-REFERRAL",
                                referred_on="2025-03-02", source=visit_b)
    if marker == "owner":  # a record of township B, addressed by kind and id
        from shegong.casework.attachments import KIND_OF_MODEL

        model = apps.get_model("casework", target[3:])
        kwargs = {"owner_kind": KIND_OF_MODEL[model], "owner_pk": kwargs["pk"]}
    if target is None and name.startswith(("contracts:", "v1:contract")):
        _contract_b(world, None)  # a row the list must not show
    if target is None and name.startswith(("reports:", "v1:report")):
        _report_b(world, None)  # a row the list must not show: MARK-B-REPORT
    if marker == "assignment":
        kwargs["assignment_pk"] = b_user.role_assignments.first().pk
    url = reverse(name, kwargs=kwargs)
    if kwargs:
        statuses = {method: getattr(client, method)(url).status_code for method in ("get", "post")}
        assert set(statuses.values()) <= {404, 405} and 404 in statuses.values(), f"{url} answered {statuses}"
    else:
        response = client.get(url)
        assert response.status_code == 200
        assert marker.encode() not in response.content, f"{url} shows township B's {marker}"
    b_user.refresh_from_db()
    assert b_user.is_active and b_user.role_assignments.count() == 1


SCOPED_FACTORIES = {
    User: lambda w, r: w["worker_b"],
    RoleAssignment: lambda w, r: w["worker_b"].role_assignments.first(),
    AuditEntry: lambda w, r: w["rows"]["b"],
    Operator: lambda w, r: Operator.objects.create(
        name="兴海街道某社工机构", credit_code=_credit(9), region=r["township_b"]
    ),
    PolicyProfile: lambda w, r: PolicyProfile.objects.create(name="B 乡镇规则", region=r["township_b"]),
    PolicyVersion: lambda w, r: PolicyVersion.objects.create(
        profile=PolicyProfile.objects.create(name="B 乡镇规则", region=r["township_b"]), number=1,
        valid_from="2025-01-01", values={},
    ),
    Station: lambda w, r: _station_b(w, r),
    Contract: lambda w, r: _contract_b(w, r),
    apps.get_model("reports", "Report"): lambda w, r: _report_b(w, r),
    # A rollup figure of township B (counts, no personal data; still a place's business).
    apps.get_model("monitoring", "Tally"): lambda w, r: apps.get_model("monitoring", "Tally").objects.create(
        unit=r["township_b"].code, parent=r["township_b"].code[:6], level=9, year=2025, month=1, metric="visits", value=1
    ),
    Evidence: lambda w, r: Evidence.objects.create(station=_station_b(w, r), item="rules", kind="note", note="制度上墙"),
    Disclosure: lambda w, r: Disclosure.objects.create(
        operator=Operator.objects.create(name="兴海街道某社工机构", credit_code=_credit(8), region=r["township_b"]),
        kind="basic", title="基本信息", published_on="2025-01-01",
    ),
    **{
        apps.get_model("recipients", model): lambda w, r, what=what: _rc(w, r, what)
        for model in [
            "Household", "Recipient", "CategoryMembership", "StatusChange", "TimelineEntry", "NeedsAssessment",
            "NeedItem", "Resource", "Referral", "Attachment", "DuplicateCandidate", "ImportBatch",
        ]
        for what in [model]
    },
    **{
        apps.get_model("workforce", model): lambda w, r, what=what: _wf(w, r, what)
        for model, what in [
            ("SocialWorker", "worker_b"), ("StationAssignment", "assignment_b"), ("Session", "session_b"),
            ("Volunteer", "volunteer_b"), ("VolunteerService", "volunteer_service_b"), ("LocalAverageWage", "wage_b"),
        ]
    },
    **{
        model: lambda w, r, what=model._meta.object_name: _cw(w, r, what)
        for model in apps.get_app_config("casework").get_models()
        if isinstance(getattr(model, "scope", None), ScopeRule)
    },
}


def _cw(w, r, what):
    """A casework row in township B (factories in shegong/casework/tests/factories.py)."""
    from shegong.casework.tests.factories import township_b_row

    return township_b_row(w, r, what)


def _rc(w, r, what):
    """A recipients row in township B: personal data, which administrators do not see."""
    from datetime import date

    from django.core.files.base import ContentFile

    from shegong.recipients import models as rm
    from shegong.recipients.tests import factories as f

    township_b = r["township_b"] if r else w["worker_b"].role_assignments.get().region
    village = f.village_of(township_b)
    if what == "Resource":
        return f.make_resource(village, name="MARK-B-RESOURCE")
    if what == "ImportBatch":
        return rm.ImportBatch.objects.create(region=township_b, original_name="b.xlsx", file=ContentFile(b"x", name="b.xlsx"))
    person = rm.Recipient.objects.filter(name="乙某某", id_index__isnull=False).first()
    if person is None:
        household = f.make_household(village, head_name="乙户主")
        person = f.make_recipient(village, "乙某某", id_number=f.id_for(date(1950, 3, 4), 7), household=household)
    household = person.household
    if what == "Household":
        return household
    if what == "Recipient":
        return person
    if what == "CategoryMembership":
        return person.categories.get()
    if what == "StatusChange":
        return rm.StatusChange.objects.create(recipient=person, new_status="in_service", changed_on=date(2025, 2, 1))
    if what == "TimelineEntry":
        return rm.TimelineEntry.objects.create(recipient=person, kind="note", summary="MARK-B", occurred_at="2025-02-01T00:00Z")
    assessment = f.make_assessment(household)
    if what == "NeedsAssessment":
        return assessment
    if what == "NeedItem":
        return assessment.needs.get()
    if what == "Referral":
        return rm.Referral.objects.create(recipient=person, agency="镇卫生院", reason="体检", referred_on=date(2025, 3, 2))
    if what == "Attachment":
        return rm.Attachment.objects.create(recipient=person, title="证明", file=ContentFile(b"%PDF-1.4", name="a.pdf"), content_type="application/pdf", size=8)
    other = f.make_recipient(village, "乙某某", household=household)
    return rm.DuplicateCandidate.objects.create(first=person, second=other, region_id=village, reason="same_name_birth")


def _wf(w, r, what):
    """A workforce row in township B (factories in shegong/workforce/tests/factories.py)."""
    from shegong.workforce.tests import factories

    return getattr(factories, what)(w, r or {"township_b": w["worker_b"].role_assignments.get().region})


def _report_b(w, r):
    """A submitted report of township B, by the other operator (whose manager A's never reaches)."""
    from shegong.reports.models import Report

    contract = Contract.objects.filter(number="MARK-B-CONTRACT").first() or _contract_b(w, r)
    return Report.objects.create(
        kind="annual", region=contract.purchaser_region, operator=contract.operator, contract=contract,
        period_key="2025", period_start="2025-01-01", period_end="2025-12-31", title="MARK-B-REPORT", status="submitted",
    )


def _contract_b(w, r):
    township_b = w["worker_b"].role_assignments.get().region
    return Contract.objects.create(
        number="MARK-B-CONTRACT", purchaser_region=township_b, purchaser_name="B 街道办事处",
        operator=w["other_operator"], cycle_start="2025-01-01", period_start="2025-01-01",
        period_end="2025-12-31", signed_on="2025-01-01", amount="100000",
    )


def _station_b(w, r):
    # Staffed by the other operator: the operator manager of township A's operator must not see it.
    township_b = w["worker_b"].role_assignments.get().region
    return Station.objects.create(name="兴海街道社工站", region=township_b, operator=w["other_operator"])


def _credit(seq):
    from shegong.conftest import make_credit_code

    return make_credit_code(seq)


def test_every_model_tied_to_a_place_declares_a_scope():
    unscoped = []
    for model in apps.get_models():
        if model is Region or not model.__module__.startswith("shegong."):
            continue
        placed = any(
            (isinstance(f, models.ForeignKey) and f.related_model is Region) or f.name == "region_code"
            for f in model._meta.get_fields()
            if getattr(f, "concrete", False)
        )
        if placed and not isinstance(getattr(model, "scope", None), ScopeRule):
            unscoped.append(model.__name__)
    assert not unscoped, f"models tied to a region without a ScopeRule: {unscoped}"


@pytest.mark.parametrize("model", scoped_models(), ids=lambda m: m._meta.label)
def test_every_scoped_model_hides_township_b_from_township_a(model, world, regions):
    assert model in SCOPED_FACTORIES, f"add a township-B factory for {model._meta.label}"
    row = SCOPED_FACTORIES[model](world, regions)
    for who in ("officer_a", "worker_a", "evaluator", "station_lead"):
        assert not model.objects.visible_to(world[who]).filter(pk=row.pk).exists(), who
        assert not model.objects.visible_to(world[who], CHANGE).filter(pk=row.pk).exists(), who
    # Personal data is not the administrator's: the county bureau reads it. Confidential case
    # notes reach only the case's worker and supervisor, whoever else reaches the place.
    witness = "county_bureau" if model._meta.app_label in ("recipients", "casework") else "admin"
    if model._meta.label == "casework.ConfidentialNote":
        witness = "worker_b"
        assert not model.objects.visible_to(world["county_bureau"]).filter(pk=row.pk).exists()
    if model._meta.label in ("casework.ServiceDomain", "casework.ServiceItem"):
        witness = "admin"
    assert model.objects.visible_to(world[witness]).filter(pk=row.pk).exists()
