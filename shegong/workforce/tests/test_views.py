"""Workforce pages and API: jurisdiction, writes with audit, the worker file, exports."""

import io
import zipfile
from datetime import date

import pytest

from shegong.core.models import AuditEntry
from shegong.workforce.models import Session, SocialWorker

from .factories import make_session, make_station, make_worker

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(regions, operator, other_operator, station_a, station_b):
    """Workers of both operators in township A, and one of ours in township B."""
    other_station = make_station(regions["township_a"], other_operator, name="甲镇第二社工站")
    return {
        "ours_a": make_worker(station_a, name="本机构甲镇社工"),
        "theirs_a": make_worker(other_station, name="他机构甲镇社工"),
        "ours_b": make_worker(station_b, name="本机构乙镇社工"),
    }


def xlsx_text(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return b"".join(z.read(n) for n in z.namelist() if n.endswith(".xml")).decode()


class TestJurisdiction:
    def test_operator_manager_sees_only_its_operators_workers(self, people, staff, client_for):
        user = people["operator_manager"]
        assert set(SocialWorker.objects.visible_to(user)) == {staff["ours_a"], staff["ours_b"]}
        client = client_for(user)
        page = client.get("/workforce/workers/").content.decode()
        assert "本机构甲镇社工" in page and "本机构乙镇社工" in page and "他机构甲镇社工" not in page
        assert client.get(f"/workforce/workers/{staff['theirs_a'].pk}/").status_code == 404
        assert client.get(f"/api/v1/workers/{staff['theirs_a'].pk}/").status_code == 404
        names = {w["name"] for w in client.get("/api/v1/workers/").json()["results"]}
        assert names == {"本机构甲镇社工", "本机构乙镇社工"}

    def test_township_officer_sees_only_workers_of_its_township(self, people, staff, client_for):
        client = client_for(people["officer_a"])
        page = client.get("/workforce/workers/").content.decode()
        assert "本机构甲镇社工" in page and "他机构甲镇社工" in page and "本机构乙镇社工" not in page
        outside = client.get(f"/workforce/workers/{staff['ours_b'].pk}/")
        missing = client.get("/workforce/workers/999999/")
        assert outside.status_code == missing.status_code == 404
        assert client.get(f"/api/v1/workers/{staff['ours_b'].pk}/").status_code == 404
        assert client.get(f"/workforce/workers/{staff['ours_a'].pk}/").status_code == 200
        # a township officer reads but does not change
        assert client.get(f"/workforce/workers/{staff['ours_a'].pk}/edit/").status_code == 404
        assert client.get("/workforce/workers/new/").status_code == 404

    def test_a_worker_who_moved_is_seen_by_both_townships_and_changed_only_from_above(self, people, staff, station_b):
        from shegong.core.scoping import CHANGE
        from shegong.workforce import services

        services.worker_assign(actor=people["county_bureau"], worker=staff["ours_a"], station=station_b, start=date(2024, 7, 1))
        assert staff["ours_a"] in SocialWorker.objects.visible_to(people["officer_b"])
        assert staff["ours_a"] in SocialWorker.objects.visible_to(people["county_bureau"], CHANGE)
        assert [a.end for a in staff["ours_a"].assignments.order_by("start")] == [date(2024, 6, 30), None]

    def test_export_holds_only_visible_workers_and_is_audited(self, people, staff, client_for):
        response = client_for(people["officer_a"]).get("/workforce/workers/?format=xlsx")
        text = xlsx_text(response.content)
        assert "本机构甲镇社工" in text and "本机构乙镇社工" not in text
        assert AuditEntry.objects.filter(action="workforce.worker_export").exists()

    def test_filters(self, people, staff, station_a, client_for):
        client = client_for(people["county_bureau"])
        page = client.get(f"/workforce/workers/?station={station_a.pk}").content.decode()
        assert "本机构甲镇社工" in page and "本机构乙镇社工" not in page
        page = client.get("/workforce/workers/?name=乙镇").content.decode()
        assert "本机构乙镇社工" in page and "本机构甲镇社工" not in page


class TestWrites:
    def test_county_bureau_registers_a_worker_and_the_audit_row_lands(self, people, station_a, client_for):
        client = client_for(people["county_bureau"])
        response = client.post("/workforce/workers/new/", {
            "name": "新社工", "sex": "female", "birth_date": "1995-02-03", "education": "bachelor",
            "certificate_level": "none", "took_post_on": "2024-03-01", "station": station_a.pk,
        })
        worker = SocialWorker.objects.get(name="新社工")
        assert response.status_code == 302
        assert worker.employer == station_a.operator and worker.assignments.get().station == station_a
        entry = AuditEntry.objects.get(action="workforce.worker_create", object_id=str(worker.pk))
        assert entry.region_code == station_a.region_id

    def test_edit_is_audited_without_salary_amounts(self, people, staff, client_for):
        worker = staff["ours_a"]
        client = client_for(people["operator_manager"])
        response = client.post(f"/workforce/workers/{worker.pk}/edit/", {
            "name": worker.name, "sex": "female", "birth_date": "1990-01-01", "education": "master",
            "certificate_level": "none", "took_post_on": "2023-01-01", "monthly_salary": "5100",
        })
        assert response.status_code == 302
        worker.refresh_from_db()
        assert worker.education == "master"
        detail = AuditEntry.objects.get(action="workforce.worker_update").detail
        assert detail["changed"]["education"] == ["bachelor", "master"]
        assert "5100" not in str(detail)

    def test_operator_manager_cannot_post_a_worker_at_another_operators_station(self, people, regions, other_operator):
        from django.core.exceptions import PermissionDenied

        from shegong.workforce import services

        theirs = make_station(regions["township_a"], other_operator, name="他站")
        with pytest.raises(PermissionDenied):
            services.worker_create(
                actor=people["operator_manager"], employer=other_operator, station=theirs, name="x", sex="male",
                birth_date=date(1990, 1, 1), education="bachelor", took_post_on=date(2024, 1, 1),
            )

    def test_session_create_offers_only_visible_workers(self, people, staff, regions, client_for, operator):
        client = client_for(people["operator_manager"])
        page = client.get("/workforce/sessions/new/").content.decode()
        assert "本机构甲镇社工" in page and "他机构甲镇社工" not in page
        response = client.post("/workforce/sessions/new/", {
            "kind": "training", "date": "2024-05-01", "hours": "6", "provider": "民政局", "topic": "个案管理",
            "region": regions["county"].code, "operator": operator.pk, "attendees": [staff["ours_a"].pk, staff["ours_b"].pk],
        })
        assert response.status_code == 302, response.content.decode()[:2000]
        session = Session.objects.get(topic="个案管理")
        assert set(session.attendees.all()) == {staff["ours_a"], staff["ours_b"]}
        assert AuditEntry.objects.filter(action="workforce.session_create", object_id=str(session.pk)).exists()
        refused = client.post("/workforce/sessions/new/", {
            "kind": "training", "date": "2024-05-01", "hours": "6", "provider": "民政局", "topic": "越权",
            "region": regions["county"].code, "operator": operator.pk, "attendees": [staff["theirs_a"].pk],
        })
        assert refused.status_code == 200 and not Session.objects.filter(topic="越权").exists()


class TestWorkerFile:
    def test_the_file_shows_history_sessions_and_verdicts_with_their_source(self, people, staff, regions, client_for, apply_preset):
        version = apply_preset("haicheng", regions["township_a"])
        worker = staff["ours_a"]
        make_session(regions["county"], hours="12", on=date(date.today().year, 1, 2), attendees=[worker], topic="伦理培训")
        page = client_for(people["county_bureau"]).get(f"/workforce/workers/{worker.pk}/").content.decode()
        assert "伦理培训" in page and "甲镇社工站" in page
        assert worker.assignments.get().station.name in page
        assert version.profile.name in page  # the policy source of each verdict


class TestApi:
    def test_worker_detail_carries_the_verdicts(self, people, staff, regions, client_for, apply_preset):
        apply_preset("haicheng", regions["township_a"])
        body = client_for(people["county_bureau"]).get(f"/api/v1/workers/{staff['ours_a'].pk}/?year=2024").json()
        training = next(v for v in body["compliance"]["verdicts"] if v["rule"] == "training")
        assert training["status"] == "fail" and training["required"] == "40"
        assert body["compliance"]["policy_versions"]

    def test_worker_create_and_update_through_the_api(self, people, station_a, client_for):
        client = client_for(people["operator_manager"])
        response = client.post("/api/v1/workers/", {
            "name": "接口社工", "sex": "male", "birth_date": "1992-01-01", "education": "college",
            "took_post_on": "2024-02-01", "station": station_a.pk,
        }, content_type="application/json")
        assert response.status_code == 201, response.content
        pk = response.json()["id"]
        assert client.patch(f"/api/v1/workers/{pk}/", {"phone": "13900000000"}, content_type="application/json").status_code == 200
        assert SocialWorker.objects.get(pk=pk).phone == "13900000000"
        assert AuditEntry.objects.filter(action="workforce.worker_update", object_id=str(pk)).exists()

    def test_sessions_list_only_the_jurisdiction(self, people, staff, regions, operator, other_operator, client_for):
        make_session(regions["township_a"], operator=operator, topic="甲镇培训", attendees=[staff["ours_a"]])
        make_session(regions["township_b"], operator=operator, topic="乙镇培训")
        topics = {s["topic"] for s in client_for(people["officer_a"]).get("/api/v1/sessions/").json()["results"]}
        assert topics == {"甲镇培训"}

    def test_session_create_through_the_api(self, people, staff, regions, operator, client_for):
        client = client_for(people["operator_manager"])
        response = client.post("/api/v1/sessions/", {
            "kind": "supervision", "date": "2024-04-01", "hours": "3", "provider": "督导中心", "topic": "接口督导",
            "region": regions["county"].code, "operator": operator.pk, "attendees": [staff["ours_a"].pk],
        }, content_type="application/json")
        assert response.status_code == 201, response.content
        response = client.post("/api/v1/sessions/", {
            "kind": "supervision", "date": "2024-04-01", "hours": "3", "provider": "督导中心", "topic": "越权",
            "region": regions["county"].code, "operator": operator.pk, "attendees": [staff["theirs_a"].pk],
        }, content_type="application/json")
        assert response.status_code == 400


class TestVolunteersAndWagesApi:
    def test_volunteer_registered_and_hours_logged_within_the_township(self, people, station_a, station_b, client_for):
        client = client_for(people["operator_manager"])
        response = client.post("/api/v1/volunteers/", {"station": station_a.pk, "name": "志愿者甲"}, content_type="application/json")
        assert response.status_code == 201, response.content
        pk = response.json()["id"]
        assert client.post(f"/api/v1/volunteers/{pk}/hours/", {"date": "2024-03-01", "hours": "2.5"},
                           content_type="application/json").status_code == 201
        assert client.get(f"/api/v1/volunteers/{pk}/").json()["hours"] == "2.5"
        assert AuditEntry.objects.filter(action="workforce.volunteer_service_add").exists()
        officer_b = client_for(people["officer_b"])
        assert officer_b.get(f"/api/v1/volunteers/{pk}/").status_code == 404

    def test_only_a_bureau_enters_wages_and_the_pay_check_uses_them(self, people, regions, client_for):
        body = {"region": regions["county"].code, "year": 2024, "monthly_amount": "4500.00"}
        assert client_for(people["officer_a"]).post("/api/v1/wages/", body, content_type="application/json").status_code == 403
        assert client_for(people["county_bureau"]).post("/api/v1/wages/", body, content_type="application/json").status_code == 201
        from shegong.workforce.compliance import local_average_wage

        assert str(local_average_wage(regions["township_a"].code, 2024)) == "4500.00"


def test_session_api_lists_only_visible_attendees_without_a_query_per_session(people, regions, operator, client_for):
    """Given a county session attended by workers of townships A and B, township A's officer sees
    only A's worker among the attendees, and the list costs the same for 2 sessions or 12."""
    from datetime import date

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from shegong.stations.models import Station
    from shegong.workforce.models import Session
    from shegong.workforce.tests.factories import make_worker

    station_a = Station.objects.create(name="A站", region=regions["township_a"], operator=operator)
    station_b = Station.objects.create(name="B站", region=regions["township_b"], operator=operator)
    worker_a, worker_b = make_worker(station_a, name="甲"), make_worker(station_b, name="乙")

    def add_sessions(n):
        for i in range(n):
            session = Session.objects.create(kind="training", date=date(2025, 5, 1), hours="4", topic=f"课{i}",
                                             region=regions["township_a"], operator=operator)
            session.attendance.create(worker=worker_a, hours="4")
            session.attendance.create(worker=worker_b, hours="4")

    client = client_for(people["officer_a"])
    add_sessions(2)
    client.get("/api/v1/sessions/")
    with CaptureQueriesContext(connection) as few:
        body = client.get("/api/v1/sessions/").json()
    assert all(s["attendees"] == [worker_a.pk] for s in body["results"]) and body["results"]
    add_sessions(10)
    with CaptureQueriesContext(connection) as many:
        client.get("/api/v1/sessions/")
    assert len(many.captured_queries) == len(few.captured_queries)
