"""Case API: the same machine, scoping and refusals as the pages, as problem details."""

from datetime import timedelta

import pytest
from django.utils import timezone

from shegong.casework import services_cases as svc
from shegong.casework.models import Case, CaseStage
from shegong.casework.tests.factories import make_case, make_visit
from shegong.recipients.tests import factories as rf

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
JSON = "application/json"


@pytest.fixture
def person(regions):
    return rf.make_recipient(rf.village_of(regions["township_a"]), "王秀英")


@pytest.fixture
def case(people, person):
    return make_case(person, people["worker_a"], supervisor=people["supervisor"], opened_on=TODAY - timedelta(days=10))


def post(client, url, data):
    return client.post(url, data, content_type=JSON)


def test_open_list_and_walk_a_case(people, person, client_for):
    worker, supervisor = client_for(people["worker_a"]), client_for(people["supervisor"])
    visit = make_visit(person, people["worker_a"], on=TODAY)
    created = post(worker, "/api/v1/cases/", {"recipient": person.pk, "source": "outreach", "problem": "独居",
                                              "source_visit": visit.pk, "supervisor": people["supervisor"].pk})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["stage"] == "intake" and body["worker"]["id"] == people["worker_a"].pk and "id_masked" not in body
    pk = body["id"]
    assert [c["id"] for c in worker.get("/api/v1/cases/?stage=intake").json()["results"]] == [pk]
    assert post(worker, f"/api/v1/cases/{pk}/assess/", {"assessment": "评估"}).json()["stage"] == "assessment"
    plan = {"goals": "目标", "actions": "行动", "timetable": "三个月", "review_on": TODAY.isoformat()}
    assert post(worker, f"/api/v1/cases/{pk}/submit-plan/", plan).json()["stage"] == "plan_review"
    pending = supervisor.get("/api/v1/case-approvals/?status=pending&mine=true").json()["results"]
    assert len(pending) == 1 and pending[0]["subject"] == "plan"
    assert post(worker, f"/api/v1/case-approvals/{pending[0]['id']}/decide/", {"decision": "approve"}).status_code == 403
    decided = post(supervisor, f"/api/v1/case-approvals/{pending[0]['id']}/decide/", {"decision": "approve"})
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    record = post(worker, f"/api/v1/cases/{pk}/records/", {"occurred_on": TODAY.isoformat(), "content": "上门", "contact": "home"})
    assert record.status_code == 201
    assert len(worker.get(f"/api/v1/cases/{pk}/records/").json()) == 1
    plans = worker.get(f"/api/v1/case-plans/?case={pk}").json()["results"]
    assert plans[0]["number"] == 1 and plans[0]["approvals"][0]["status"] == "approved"


def test_illegal_transition_is_a_problem_400(case, people, client_for):
    response = post(client_for(people["worker_a"]), f"/api/v1/cases/{case.pk}/submit-closure/", {"reason": "goals_met", "summary": "x"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    case.refresh_from_db()
    assert case.stage == CaseStage.INTAKE


def test_edit_conflict_answers_409(case, people, client_for):
    client = client_for(people["worker_a"])
    first = client.patch(f"/api/v1/cases/{case.pk}/", {"version": case.version, "problem": "第一次"}, content_type=JSON)
    assert first.status_code == 200 and first.json()["version"] == case.version + 1
    second = client.patch(f"/api/v1/cases/{case.pk}/", {"version": case.version, "problem": "第二次"}, content_type=JSON)
    assert second.status_code == 409
    assert second["Content-Type"].startswith("application/problem+json") and second.json()["status"] == 409
    stale_move = post(client, f"/api/v1/cases/{case.pk}/assess/", {"assessment": "x", "version": case.version})
    assert stale_move.status_code == 409
    case.refresh_from_db()
    assert case.problem == "第一次" and case.stage == CaseStage.INTAKE


def test_confidential_notes_are_404_to_everyone_else(case, people, client_for, make_user, regions, operator):
    worker = client_for(people["worker_a"])
    assert post(worker, f"/api/v1/cases/{case.pk}/notes/", {"text": "MARK-SECRET"}).status_code == 201
    assert [n["text"] for n in client_for(people["supervisor"]).get(f"/api/v1/cases/{case.pk}/notes/").json()] == ["MARK-SECRET"]
    colleague = make_user("worker", regions["township_a"], operator=operator, username="colleague")
    for who in (people["officer_a"], people["station_lead"], colleague, people["county_bureau"]):
        client = client_for(who)
        assert client.get(f"/api/v1/cases/{case.pk}/").status_code == 200  # the case, yes
        assert client.get(f"/api/v1/cases/{case.pk}/notes/").status_code == 404  # its notes, no
        assert post(client, f"/api/v1/cases/{case.pk}/notes/", {"text": "x"}).status_code == 404
        assert b"MARK-SECRET" not in client.get(f"/api/v1/cases/{case.pk}/").content


def test_transfer_through_the_api_moves_access(case, people, client_for, regions):
    svc.add_note(people["worker_a"], case, text="机密")
    village_b = rf.village_of(regions["township_b"])
    response = post(client_for(people["worker_a"]), f"/api/v1/cases/{case.pk}/transfer/", {
        "reason": "迁居", "to_township": regions["township_b"].code, "to_village": village_b})
    assert response.status_code == 201 and response.json()["to_region"] == village_b
    assert client_for(people["worker_a"]).get(f"/api/v1/cases/{case.pk}/").status_code == 404
    assert client_for(people["worker_b"]).get(f"/api/v1/cases/{case.pk}/notes/").status_code == 404  # not theirs yet
    Case.objects.filter(pk=case.pk).update(worker=people["worker_b"])
    assert client_for(people["worker_b"]).get(f"/api/v1/cases/{case.pk}/notes/").status_code == 200
