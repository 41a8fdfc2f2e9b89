"""Home visits: recording (scoped, checked, idempotent on the form id), editing (versioned), the
pages (form, list, export, due, plans, outbox, the recipient file section) and the API.

Given a worker of township A, a worker of township B and recipients in both,
when they record and edit visits by page and by API,
then only the worker's own jurisdiction is reached, a form sent twice is recorded once, and the
second of two concurrent edits is refused with nothing overwritten.
"""

import io
import uuid
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from shegong.casework import planning, services_visits
from shegong.casework.models import PlannedVisit, PlanReason, PlanStatus, Visit, VisitOutcome
from shegong.casework.tests.factories import make_catalogue, make_visit
from shegong.core.concurrency import EditConflict
from shegong.core.models import AuditEntry
from shegong.policies.models import PolicyProfile, PolicyVersion
from shegong.recipients.models import TimelineEntry
from shegong.recipients.tests import factories as rf

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(people, regions):
    county_profile = PolicyProfile.objects.create(name="海城市", region=regions["county"])
    PolicyVersion.objects.create(profile=county_profile, number=1, valid_from=date(2024, 1, 1),
                                 values={"visit_rate_new": "1", "visit_every_days_key": 30})
    items = make_catalogue(county_profile)
    village_a = rf.village_of(regions["township_a"])
    village_b = rf.village_of(regions["township_b"])
    household = rf.make_household(village_a, head_name="王桂英")
    person_a = rf.make_recipient(village_a, "王桂英", household=household, relation="head", status="in_service",
                                 follow_up_level="key")
    spouse = rf.make_recipient(village_a, "李长海", household=household, relation="spouse", status="in_service")
    person_b = rf.make_recipient(village_b, "乙某某", status="in_service")
    return {**people, "items": items, "a": person_a, "spouse": spouse, "b": person_b, "household": household,
            "village_a": village_a}


def today():
    return timezone.localdate()


def form_data(world, **over):
    data = {
        "visited_on": today().isoformat(), "workers": [world["worker_a"].pk], "outcome": "at_home",
        "living_conditions": "fair", "health": "poor", "income": "fair", "safety": "good",
        "risks": ["untreated_illness"], "follow_ups": ["open_case"], "items": [world["items"][0].pk],
        "findings": "老人腿脚不便，屋内较冷", "needs_found": "需要冬季取暖补助", "follow_up_note": "",
    }
    data.update(over)
    return data


# --- Services -----------------------------------------------------------------------------------


class TestRecordVisit:
    def record(self, world, who="worker_a", **over):
        fields = dict(visited_on=today(), workers=[world["worker_a"]], outcome=VisitOutcome.AT_HOME)
        fields.update(over)
        return services_visits.record_visit(world[who], **fields)

    def test_a_visit_is_written_with_its_tags_timeline_and_audit(self, world):
        visit = self.record(world, recipient=world["a"], items=[world["items"][0]], risks=["income_lost"], findings="屋内整洁")
        assert visit.region_id == world["a"].region_id and visit.household == world["household"]
        assert list(visit.items.all()) == [world["items"][0]]
        line = TimelineEntry.objects.get(recipient=world["a"], kind="visit")
        assert line.link == f"/casework/visits/{visit.pk}/"
        assert AuditEntry.objects.filter(action="casework.visit_create", object_id=str(visit.pk)).exists()

    def test_a_household_visit_reaches_every_active_member(self, world):
        visit = self.record(world, household=world["household"])
        assert visit.recipient is None
        assert set(TimelineEntry.objects.filter(kind="visit").values_list("recipient_id", flat=True)) == {
            world["a"].pk, world["spouse"].pk}

    def test_out_of_reach_is_refused(self, world):
        with pytest.raises(PermissionDenied):
            self.record(world, recipient=world["b"])
        with pytest.raises(PermissionDenied):  # a township officer reads visits but does not record them
            self.record(world, who="officer_a", recipient=world["a"])
        assert not Visit.objects.exists()

    def test_checks_on_date_workers_and_services(self, world, regions, make_user):
        elsewhere = world["worker_b"]
        with pytest.raises(ValidationError) as refused:
            self.record(world, recipient=world["a"], visited_on=today() + timedelta(days=1), workers=[elsewhere],
                        items=[999999])
        assert {"visited_on", "workers", "items"} <= set(refused.value.message_dict)
        with pytest.raises(ValidationError):
            self.record(world, recipient=world["a"], workers=[])
        assert not Visit.objects.exists()

    def test_a_date_before_registration_is_refused(self, world):
        from shegong.recipients.models import StatusChange

        StatusChange.objects.create(recipient=world["a"], new_status="new", changed_on=today() - timedelta(days=3))
        with pytest.raises(ValidationError) as refused:
            self.record(world, recipient=world["a"], visited_on=today() - timedelta(days=10))
        assert "visited_on" in refused.value.message_dict

    def test_the_same_form_id_records_once(self, world):
        form_id = uuid.uuid4()
        first = self.record(world, recipient=world["a"], client_uuid=form_id)
        second = self.record(world, recipient=world["a"], client_uuid=form_id, findings="再次提交")
        assert first.pk == second.pk and Visit.objects.count() == 1
        assert TimelineEntry.objects.filter(kind="visit").count() == 1
        assert Visit.objects.get().findings == ""

    def test_two_sends_of_one_form_at_the_same_moment_record_once(self, world, monkeypatch):
        """The second request checks for the form id before the first has written it, then loses
        the race at the unique constraint: it answers with the first one's visit."""
        form_id = uuid.uuid4()
        first = self.record(world, recipient=world["a"], client_uuid=form_id)
        real_existing = services_visits._existing
        calls = []

        def too_early(user, client_uuid):
            calls.append(client_uuid)
            return None if len(calls) == 1 else real_existing(user, client_uuid)

        monkeypatch.setattr(services_visits, "_existing", too_early)
        second = self.record(world, recipient=world["a"], client_uuid=form_id)
        assert len(calls) == 2 and second.pk == first.pk
        assert Visit.objects.count() == 1 and TimelineEntry.objects.filter(kind="visit").count() == 1

    def test_update_is_versioned(self, world):
        visit = self.record(world, recipient=world["a"])
        services_visits.update_visit(world["worker_a"], visit, 1, findings="第一次修改")
        stale = Visit.objects.get(pk=visit.pk)
        with pytest.raises(EditConflict):
            services_visits.update_visit(world["worker_a"], stale, 1, findings="第二次修改")
        assert Visit.objects.get(pk=visit.pk).findings == "第一次修改"


class TestPhotos:
    def png(self):
        from PIL import Image

        buffer = io.BytesIO()
        Image.new("RGB", (40, 30), "white").save(buffer, format="PNG")
        return SimpleUploadedFile("门口.png", buffer.getvalue(), content_type="image/png")

    def test_photos_are_stored_and_a_bad_file_refuses_the_whole_visit(self, world):
        from shegong.casework.models import Attachment

        visit = services_visits.record_visit(
            world["worker_a"], recipient=world["a"], visited_on=today(), workers=[world["worker_a"]],
            outcome=VisitOutcome.AT_HOME, photos=[self.png()],
        )
        assert Attachment.objects.filter(owner_id=visit.pk).count() == 1
        fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00" + b"\x00" * 200, content_type="image/jpeg")
        with pytest.raises(ValidationError) as refused:
            services_visits.record_visit(
                world["worker_a"], recipient=world["spouse"], visited_on=today(), workers=[world["worker_a"]],
                outcome=VisitOutcome.AT_HOME, photos=[fake],
            )
        assert "photos" in refused.value.message_dict
        assert Visit.objects.count() == 1


# --- Pages --------------------------------------------------------------------------------------


class TestVisitForm:
    def test_the_form_shows_big_choices_and_today(self, world, client_for):
        page = client_for(world["worker_a"]).get(f"/casework/visits/new/?recipient={world['a'].pk}")
        assert page.status_code == 200
        html = page.content.decode()
        assert 'data-offline="visit"' in html and 'name="client_uuid"' in html
        assert html.count('name="outcome"') == 4 and 'capture="environment"' in html
        assert f'value="{today().isoformat()}"' in html
        import re

        me = re.search(rf'<input type="checkbox" name="workers" value="{world["worker_a"].pk}"[^>]*>', html).group(0)
        assert "checked" in me  # the signed-in worker is pre-selected
        assert world["items"][0].name in html

    def test_a_household_visit_through_the_page(self, world, client_for):
        client = client_for(world["worker_a"])
        assert f"?household={world['household'].pk}" in client.get(f"/casework/visits/new/?recipient={world['a'].pk}").content.decode()
        response = client.post(f"/casework/visits/new/?household={world['household'].pk}", form_data(world))
        assert response.status_code == 302
        visit = Visit.objects.get()
        assert visit.recipient is None and visit.household == world["household"]
        assert TimelineEntry.objects.filter(kind="visit").count() == 2

    def test_worker_of_township_b_gets_a_404(self, world, client_for):
        client = client_for(world["worker_b"])
        assert client.get(f"/casework/visits/new/?recipient={world['a'].pk}").status_code == 404
        assert client.post(f"/casework/visits/new/?recipient={world['a'].pk}", form_data(world)).status_code == 404
        assert not Visit.objects.exists()

    def test_posting_records_and_redirects(self, world, client_for):
        response = client_for(world["worker_a"]).post(f"/casework/visits/new/?recipient={world['a'].pk}", form_data(world))
        visit = Visit.objects.get()
        assert response.status_code == 302 and response["Location"] == f"/casework/visits/{visit.pk}/"
        assert visit.findings == "老人腿脚不便，屋内较冷" and visit.risks == ["untreated_illness"]

    def test_posting_twice_with_the_same_form_id_records_once(self, world, client_for):
        client = client_for(world["worker_a"])
        data = form_data(world, client_uuid=str(uuid.uuid4()))
        url = f"/casework/visits/new/?recipient={world['a'].pk}"
        first = client.post(url, data, HTTP_X_SHEGONG_OFFLINE="1")
        second = client.post(url, data, HTTP_X_SHEGONG_OFFLINE="1")
        assert first.json()["ok"] and second.json() == first.json()
        assert Visit.objects.count() == 1

    def test_an_offline_submission_is_answered_in_json(self, world, client_for, english):
        client = client_for(world["worker_a"])
        url = f"/casework/visits/new/?recipient={world['a'].pk}"
        refused = client.post(url, form_data(world, outcome="", workers=[]), HTTP_X_SHEGONG_OFFLINE="1")
        assert refused.status_code == 400
        body = refused.json()
        assert body["ok"] is False and {"outcome", "workers"} <= set(body["errors"])
        assert body["labels"]["outcome"] == "At the door"
        outside = client.post(f"/casework/visits/new/?recipient={world['b'].pk}", form_data(world), HTTP_X_SHEGONG_OFFLINE="1")
        assert outside.status_code == 404 and outside.json()["ok"] is False

    def test_picking_the_person_by_name_or_pinyin(self, world, client_for):
        client = client_for(world["worker_a"])
        by_name = client.get("/casework/visits/new/?q=桂英").content.decode()
        assert "王桂英" in by_name and "乙某某" not in by_name
        assert "王桂英" in client.get("/casework/visits/new/?q=wgy").content.decode()
        assert "乙某某" not in client_for(world["worker_a"]).get("/casework/visits/new/?q=乙").content.decode()


class TestVisitPages:
    def test_detail_offers_the_follow_ups(self, world, client_for):
        visit = make_visit(world["a"], world["worker_a"], on=today())
        html = client_for(world["worker_a"]).get(f"/casework/visits/{visit.pk}/").content.decode()
        assert f"recipient={world['a'].pk}&amp;visit={visit.pk}" in html  # open a case from the visit
        assert f"/recipients/households/{world['household'].pk}/assessments/new/" in html
        assert f"/casework/refer/visit/{visit.pk}/" in html

    def test_an_empty_house_suggests_changing_the_status(self, world, client_for):
        visit = make_visit(world["a"], world["worker_a"], on=today(), outcome=VisitOutcome.VACANT)
        html = client_for(world["worker_a"]).get(f"/casework/visits/{visit.pk}/").content.decode()
        assert 'data-testid="vacant-hint"' in html

    def test_detail_out_of_reach_is_404(self, world, client_for):
        visit = make_visit(world["b"], world["worker_b"], on=today())
        client = client_for(world["worker_a"])
        assert client.get(f"/casework/visits/{visit.pk}/").status_code == 404
        assert client.get(f"/casework/visits/{visit.pk}/edit/").status_code == 404

    def test_edit_conflict_through_the_page(self, world, client_for, english):
        visit = make_visit(world["a"], world["worker_a"], on=today(), findings="原记录")
        one, two = client_for(world["worker_a"]), client_for(world["station_lead"])
        url = f"/casework/visits/{visit.pk}/edit/"
        assert 'name="version" value="1"' in one.get(url).content.decode()
        assert 'name="version" value="1"' in two.get(url).content.decode()
        first = one.post(url, form_data(world, findings="赵社工的修改", version=1))
        assert first.status_code == 302
        second = two.post(url, form_data(world, findings="站长的修改", version=1))
        assert second.status_code == 200
        assert "Someone else saved this record" in second.content.decode()
        visit.refresh_from_db()
        assert visit.findings == "赵社工的修改" and visit.version == 2

    def test_an_officer_reads_but_does_not_edit(self, world, client_for):
        visit = make_visit(world["a"], world["worker_a"], on=today())
        client = client_for(world["officer_a"])
        assert client.get(f"/casework/visits/{visit.pk}/").status_code == 200
        assert client.get(f"/casework/visits/{visit.pk}/edit/").status_code == 404
        assert client.get(f"/casework/visits/new/?recipient={world['a'].pk}").status_code == 404

    def test_list_is_scoped_filtered_and_constant_in_queries(self, world, client_for, django_assert_max_num_queries):
        make_visit(world["b"], world["worker_b"], on=today(), findings="B")
        for day in range(3):
            make_visit(world["a"], world["worker_a"], on=today() - timedelta(days=day))
        client = client_for(world["station_lead"])
        with django_assert_max_num_queries(20) as few:
            html = client.get("/casework/visits/").content.decode()
        assert html.count("王桂英") == 3 and "乙某某" not in html
        for day in range(3, 20):
            make_visit(world["spouse"], world["worker_a"], on=today() - timedelta(days=day))
        with django_assert_max_num_queries(len(few.captured_queries)):
            client.get("/casework/visits/")
        assert "王桂英" not in client.get("/casework/visits/?outcome=absent").content.decode()

    def test_a_worker_sees_their_own_visits_by_default(self, world, client_for, make_user, regions):
        colleague = make_user("worker", regions["township_a"], username="colleague", name="马丽娟")
        make_visit(world["spouse"], colleague, on=today())
        make_visit(world["a"], world["worker_a"], on=today())
        client = client_for(world["worker_a"])
        mine = client.get("/casework/visits/").content.decode()
        assert "王桂英" in mine and "李长海" not in mine
        everyone = client.get("/casework/visits/?worker=").content.decode()
        assert "李长海" in everyone

    def test_export_is_scoped_and_audited(self, world, client_for):
        make_visit(world["a"], world["worker_a"], on=today(), findings="MARK-A")
        make_visit(world["b"], world["worker_b"], on=today(), findings="MARK-B")
        response = client_for(world["county_bureau"]).get("/casework/visits/?format=xlsx")
        assert response.status_code == 200
        text = _xlsx_text(response.content)
        assert b"MARK-A" in text and b"MARK-B" in text
        assert AuditEntry.objects.filter(action="casework.visit_export").exists()
        only_a = _xlsx_text(client_for(world["officer_a"]).get("/casework/visits/?format=xlsx").content)
        assert b"MARK-A" in only_a and b"MARK-B" not in only_a


def _xlsx_text(content: bytes) -> bytes:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return b"".join(z.read(n) for n in z.namelist() if n.endswith(".xml"))


class TestDueAndPlans:
    def plans(self, world):
        planning.plan_visits("210381", today())
        PlannedVisit.objects.filter(recipient=world["a"]).update(assigned_to=world["worker_a"], due_on=today() - timedelta(days=3))

    def test_due_page_puts_mine_first_and_counts_overdue(self, world, client_for, django_assert_max_num_queries):
        self.plans(world)
        client = client_for(world["worker_a"])
        with django_assert_max_num_queries(20) as few:
            page = client.get("/casework/visits/due/")
        html = page.content.decode()
        assert 'data-testid="overdue-total">1<' in html
        mine = html.split('data-testid="due-mine"')[1].split("</section>")[0]
        assert "王桂英" in mine and f"/casework/visits/new/?recipient={world['a'].pk}" in mine
        for i in range(10):
            person = rf.make_recipient(world["village_a"], f"新人{i}", status="new")
            PlannedVisit.objects.create(region_id=person.region_id, recipient=person, reason=PlanReason.NEW,
                                        due_on=today() - timedelta(days=1), assigned_to=world["worker_a"])
        with django_assert_max_num_queries(len(few.captured_queries)):
            client.get("/casework/visits/due/")

    def test_due_page_counts_per_station_within_reach(self, world, client_for, regions):
        PlannedVisit.objects.create(region_id=world["b"].region_id, recipient=world["b"], reason=PlanReason.NEW, due_on=today())
        self.plans(world)
        county = client_for(world["county_bureau"]).get("/casework/visits/due/").content.decode()
        assert regions["township_a"].name in county and regions["township_b"].name in county
        officer = client_for(world["officer_a"]).get("/casework/visits/due/").content.decode()
        assert regions["township_b"].name not in officer
        assert "乙某某" not in client_for(world["officer_a"]).get("/casework/visits/due/").content.decode()

    def test_the_lead_plans_now_and_assigns(self, world, client_for):
        lead = client_for(world["station_lead"])
        response = lead.post("/casework/visits/plans/run/", follow=True)
        assert response.status_code == 200
        plan = PlannedVisit.objects.get(recipient=world["a"])
        assert not PlannedVisit.objects.filter(recipient=world["b"]).exists()  # only the lead's township
        assert lead.post(f"/casework/visits/plans/{plan.pk}/assign/", {"assigned_to": world["worker_a"].pk}).status_code == 302
        plan.refresh_from_db()
        assert plan.assigned_to == world["worker_a"]
        assert AuditEntry.objects.filter(action="casework.plan_assign").exists()

    def test_a_worker_cannot_plan_or_assign(self, world, client_for):
        planning.plan_visits("210381", today())
        plan = PlannedVisit.objects.get(recipient=world["a"])
        worker = client_for(world["worker_a"])
        assert worker.post("/casework/visits/plans/run/").status_code == 404
        assert worker.post(f"/casework/visits/plans/{plan.pk}/assign/", {"assigned_to": world["worker_a"].pk}).status_code == 404
        plan.refresh_from_db()
        assert plan.assigned_to is None

    def test_plan_list_filters_overdue(self, world, client_for):
        self.plans(world)
        client = client_for(world["station_lead"])
        assert "王桂英" in client.get("/casework/visits/plans/?when=overdue").content.decode()
        assert "王桂英" not in client.get("/casework/visits/plans/?when=week").content.decode()

    def test_the_recipient_file_shows_visits_and_the_next_plan(self, world, client_for):
        self.plans(world)
        make_visit(world["a"], world["worker_a"], on=today() - timedelta(days=40), findings="X")
        html = client_for(world["worker_a"]).get(f"/recipients/{world['a'].pk}/").content.decode()
        section = html.split('data-testid="file-visits"')[1].split("</section>")[0]
        assert (today() - timedelta(days=40)).isoformat() in section
        assert 'data-testid="next-visit"' in section

    def test_the_outbox_page_is_served(self, world, client_for):
        html = client_for(world["worker_a"]).get("/casework/outbox/").content.decode()
        assert "data-outbox-list" in html and "outbox.js" in html


# --- API ----------------------------------------------------------------------------------------


class TestApi:
    def payload(self, world, **over):
        data = {"recipient": world["a"].pk, "visited_on": today().isoformat(), "workers": [world["worker_a"].pk],
                "outcome": "at_home", "risks": ["income_lost"], "items": [world["items"][0].pk]}
        data.update(over)
        return data

    def test_create_is_idempotent_on_the_form_id(self, world, client_for):
        client = client_for(world["worker_a"])
        data = self.payload(world, client_uuid=str(uuid.uuid4()))
        first = client.post("/api/v1/visits/", data, content_type="application/json")
        second = client.post("/api/v1/visits/", data, content_type="application/json")
        assert (first.status_code, second.status_code) == (201, 200)
        assert first.json()["id"] == second.json()["id"] and Visit.objects.count() == 1

    def test_create_out_of_reach_is_refused(self, world, client_for):
        response = client_for(world["worker_a"]).post("/api/v1/visits/", self.payload(world, recipient=world["b"].pk),
                                                      content_type="application/json")
        assert response.status_code == 400 and "recipient" in response.json()["errors"]
        assert not Visit.objects.exists()

    def test_list_and_detail_are_scoped(self, world, client_for):
        a = make_visit(world["a"], world["worker_a"], on=today())
        b = make_visit(world["b"], world["worker_b"], on=today())
        client = client_for(world["officer_a"])
        ids = {v["id"] for v in client.get("/api/v1/visits/").json()["results"]}
        assert a.pk in ids and b.pk not in ids
        assert client.get(f"/api/v1/visits/{b.pk}/").status_code == 404

    def test_update_conflict_is_409_and_nothing_is_overwritten(self, world, client_for):
        visit = make_visit(world["a"], world["worker_a"], on=today(), findings="原记录")
        client = client_for(world["worker_a"])
        ok = client.patch(f"/api/v1/visits/{visit.pk}/", {"findings": "第一次", "version": 1}, content_type="application/json")
        assert ok.status_code == 200 and ok.json()["version"] == 2
        late = client.patch(f"/api/v1/visits/{visit.pk}/", {"findings": "第二次", "version": 1}, content_type="application/json")
        assert late.status_code == 409 and late["Content-Type"] == "application/problem+json"
        visit.refresh_from_db()
        assert visit.findings == "第一次"

    def test_update_needs_a_version_and_the_change_role(self, world, client_for):
        visit = make_visit(world["a"], world["worker_a"], on=today())
        assert client_for(world["worker_a"]).patch(f"/api/v1/visits/{visit.pk}/", {"findings": "x"},
                                                   content_type="application/json").status_code == 400
        assert client_for(world["officer_a"]).patch(f"/api/v1/visits/{visit.pk}/", {"findings": "x", "version": 1},
                                                    content_type="application/json").status_code == 403

    def test_planned_visits_filter_overdue_and_lead_assigns(self, world, client_for):
        planning.plan_visits("210381", today())
        plan = PlannedVisit.objects.get(recipient=world["a"])
        PlannedVisit.objects.filter(pk=plan.pk).update(due_on=today() - timedelta(days=2))
        client = client_for(world["station_lead"])
        overdue = client.get("/api/v1/planned-visits/?overdue=true").json()["results"]
        assert [p["id"] for p in overdue] == [plan.pk] and overdue[0]["overdue"]
        assigned = client.post(f"/api/v1/planned-visits/{plan.pk}/assign/", {"assigned_to": world["worker_a"].pk},
                               content_type="application/json")
        assert assigned.status_code == 200 and assigned.json()["assigned_to"] == world["worker_a"].pk
        assert client_for(world["worker_a"]).post(f"/api/v1/planned-visits/{plan.pk}/assign/", {"assigned_to": None},
                                                  content_type="application/json").status_code == 403
        assert PlannedVisit.objects.get(pk=plan.pk).status == PlanStatus.OPEN
