"""Reports over the API: the same life as on the pages, with problem details for every refusal.

Given the 海城市 programme of 2025 and API tokens for the operator manager and the county official,
when the manager starts, writes and submits its October report and the official returns and then
approves it, then each answer is the report as it now stands, a refusal is a problem document with
the right status (400 for a missing comment, 403 for the wrong person, 409 for a stale version),
and the files download as Excel, Word and PDF.
"""

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from shegong.reports.models import Report

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    _, key = AuthToken.objects.create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    return response.json()


def test_the_life_of_a_report_over_the_api(programme, add_activities):
    add_activities(2)
    people = programme["people"]
    manager, official = api(people["operator_manager"]), api(people["county_bureau"])

    created = manager.post("/api/v1/reports/", {"period": "2025-10", "contract": programme["contract"].pk}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["title"] == "海城市社会工作服务站2025年10月工作月报" and body["status"] == "draft"
    assert body["kind"] == "monthly" and body["contract_number"] == "HC-2025-001" and body["revision"] == 1
    assert next(f for f in body["snapshot"]["figures"] if f["key"] == "activities")["actual"] == "2"
    pk, version = body["id"], body["version"]

    assert official.get(f"/api/v1/reports/{pk}/").status_code == 404  # a draft is its writer's

    patched = manager.patch(f"/api/v1/reports/{pk}/", {"version": version, "summary": "十月概述"}, format="json")
    assert patched.status_code == 200 and patched.json()["summary"] == "十月概述"
    stale = manager.patch(f"/api/v1/reports/{pk}/", {"version": version, "summary": "覆盖"}, format="json")
    problem(stale, 409)
    assert Report.objects.get(pk=pk).summary == "十月概述"

    problem(official.post(f"/api/v1/reports/{pk}/approve/", {}, format="json"), 404)
    submitted = manager.post(f"/api/v1/reports/{pk}/submit/", {}, format="json")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"

    problem(manager.post(f"/api/v1/reports/{pk}/approve/", {}, format="json"), 403)
    no_comment = problem(official.post(f"/api/v1/reports/{pk}/return/", {}, format="json"), 400)
    assert "comment" in no_comment["errors"]
    returned = official.post(f"/api/v1/reports/{pk}/return/", {"comment": "请补充"}, format="json")
    assert returned.json()["status"] == "returned" and returned.json()["return_comment"] == "请补充"
    assert [e["action"] for e in returned.json()["events"]] == ["created", "submitted", "returned"]

    manager.post(f"/api/v1/reports/{pk}/submit/", {}, format="json")
    approved = official.post(f"/api/v1/reports/{pk}/approve/", {"comment": "同意"}, format="json")
    assert approved.json()["status"] == "approved"
    problem(official.post(f"/api/v1/reports/{pk}/approve/", {}, format="json"), 400)  # not twice

    for fmt, content_type, magic in (
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK"),
        ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK"),
        ("pdf", "application/pdf", b"%PDF"),
    ):
        file = official.get(f"/api/v1/reports/{pk}/{fmt}/")
        assert file.status_code == 200 and file["Content-Type"] == content_type and file.content.startswith(magic)

    corrected = manager.post(f"/api/v1/reports/{pk}/correct/", {"reason": "补录"}, format="json")
    assert corrected.status_code == 201
    assert corrected.json()["revision"] == 2 and corrected.json()["supersedes"] == pk
    assert official.get(f"/api/v1/reports/{pk}/").json()["superseded_by"] == corrected.json()["id"]


def test_the_county_writes_its_own_quarterly_report(programme):
    official = api(programme["people"]["county_bureau"])
    created = official.post("/api/v1/reports/", {"period": "2025-Q3", "region": "210381"}, format="json")
    assert created.status_code == 201 and created.json()["kind"] == "quarterly"
    listed = official.get("/api/v1/reports/?kind=quarterly").json()["results"]
    assert [r["id"] for r in listed] == [created.json()["id"]]
    assert official.get("/api/v1/reports/?kind=monthly").json()["results"] == []


@pytest.mark.parametrize("body, field", [
    ({"period": "2025-10"}, "contract"),
    ({"period": "2025-13", "region": "210381"}, "period"),
    ({"period": "2025-Q3", "region": "999999"}, "region"),
    ({"period": "2025-10", "contract": 999999}, "contract"),
    ({"period": "2025-Q3", "region": "2103"}, "region"),  # quarterly reports are a county's
])
def test_bad_requests_name_the_field(programme, body, field):
    response = api(programme["people"]["county_bureau"]).post("/api/v1/reports/", body, format="json")
    assert field in problem(response, 400)["errors"], response.json()


def test_someone_else_may_not_start_a_report(programme):
    response = api(programme["people"]["operator_manager"]).post(
        "/api/v1/reports/", {"period": "2025-Q3", "region": "210381"}, format="json")
    problem(response, 403)
    assert not Report.objects.exists()


def test_list_and_detail_cost_a_fixed_number_of_queries(programme):
    """Pinned for shegong/core/tests/test_page_queries.py: the list with 2 or 10 reports, a report
    with a short or a long history."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from shegong.monitoring.periods import Period
    from shegong.reports import services

    people = programme["people"]
    manager, bureau = people["operator_manager"], people["county_bureau"]
    client = api(bureau)

    def add(months):
        for month in months:
            r = services.create_report(actor=manager, period=Period.month(2025, month), contract=programme["contract"])
            r = services.update_narrative(actor=manager, report=r, expected_version=r.version, summary=f"{month}月概述")
            services.submit(actor=manager, report=r)

    def cost(url):
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    add([10, 9])
    few = cost("/api/v1/reports/")
    add(range(1, 9))
    many = cost("/api/v1/reports/")
    assert few == many == API_LIST_QUERIES
    report = Report.objects.get(period_key="2025-10")
    short = cost(f"/api/v1/reports/{report.pk}/")
    for i in range(4):
        report = services.submit(actor=manager, report=services.return_report(actor=bureau, report=report, comment=f"退回{i}"))
    assert short == cost(f"/api/v1/reports/{report.pk}/") == API_DETAIL_QUERIES


API_LIST_QUERIES = 5
API_DETAIL_QUERIES = 5
