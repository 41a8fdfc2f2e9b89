"""Referrals made from casework records: for the record's own people only, through the recipients
referral service (timeline, audit, need), remembered on the referral and shown on the file."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from shegong.casework import referrals
from shegong.casework.models import ActivityParticipant, GroupMember
from shegong.casework.tests.factories import make_activity, make_case, make_group, make_visit
from shegong.core.models import AuditEntry
from shegong.recipients.models import NeedStatus, Referral, TimelineEntry
from shegong.recipients.tests import factories as rf

pytestmark = pytest.mark.django_db


@pytest.fixture
def place(regions):
    return rf.village_of(regions["township_a"])


@pytest.fixture
def household(place):
    return rf.make_household(place, head_name="王桂兰")


@pytest.fixture
def person(place, household):
    return rf.make_recipient(place, "王桂兰", household=household)


@pytest.fixture
def visit(person, people):
    return make_visit(person, people["worker_a"], on=date(2025, 3, 1))


@pytest.fixture
def clinic(place):
    return rf.make_resource(place, name="孤山镇卫生院", kind="facility")


class TestReferFrom:
    def test_from_a_visit_through_the_recipients_service(self, visit, person, people, clinic, household):
        need = rf.make_assessment(household).needs.get()
        referral = referrals.refer_from(visit, user=people["worker_a"], recipient=person, resource=clinic,
                                        reason="腿脚不便，需要上门体检", need=need)
        assert referral.source == visit and referral.referred_on == date.today()
        assert referral.resource == clinic and referral.created_by == people["worker_a"]
        need.refresh_from_db()
        assert need.status == NeedStatus.REFERRED
        assert TimelineEntry.objects.filter(recipient=person, kind="referral").count() == 1
        entry = AuditEntry.objects.get(action="recipient.referral_create")
        assert entry.detail["source"] == f"casework.visit:{visit.pk}"
        assert list(referrals.referrals_from(visit, people["worker_a"])) == [referral]

    def test_a_household_member_of_a_household_visit(self, place, household, person, people):
        spouse = rf.make_recipient(place, "李德福", household=household)
        visit = make_visit(person, people["worker_a"])
        referral = referrals.refer_from(visit, user=people["worker_a"], recipient=spouse, agency="县残联", reason="申领残疾人补贴")
        assert referral.recipient == spouse and referral.target == "县残联"

    def test_from_an_activity_participant(self, place, people):
        activity = make_activity(place, people["worker_a"], title="政策宣讲进村")
        guest = rf.make_recipient(place, "赵大妈")
        ActivityParticipant.objects.create(activity=activity, recipient=guest)
        referral = referrals.refer_from(activity, user=people["worker_a"], recipient=guest, agency="镇民政办",
                                        reason="咨询低保申请")
        assert referral.source == activity

    def test_from_a_group_member(self, place, people):
        group = make_group(place, people["worker_a"])
        member = rf.make_recipient(place, "孙奶奶")
        GroupMember.objects.create(group=group, recipient=member, joined_on=date(2025, 4, 1))
        assert referrals.refer_from(group, user=people["worker_a"], recipient=member, agency="老年大学", reason="兴趣").source == group

    def test_refused_for_a_person_not_in_the_record(self, place, visit, people):
        stranger = rf.make_recipient(place, "路人甲")
        activity = make_activity(place, people["worker_a"])
        for owner in (visit, activity, make_case(rf.make_recipient(place, "个案对象"), people["worker_a"])):
            with pytest.raises(ValidationError) as refused:
                referrals.refer_from(owner, user=people["worker_a"], recipient=stranger, agency="镇卫生院", reason="体检")
            assert "recipient" in refused.value.message_dict
        assert not Referral.objects.exists()

    def test_refused_outside_reach(self, regions, people):
        person_b = rf.make_recipient(rf.village_of(regions["township_b"]), "乙某某")
        visit_b = make_visit(person_b, people["worker_b"])
        with pytest.raises(PermissionDenied):
            referrals.refer_from(visit_b, user=people["worker_a"], recipient=person_b, agency="x", reason="y")
        person_a = rf.make_recipient(rf.village_of(regions["township_a"]), "甲")
        with pytest.raises(PermissionDenied):  # the supervisor sees the visit but does not make referrals
            referrals.refer_from(make_visit(person_a, people["worker_a"]), user=people["supervisor"], recipient=person_a,
                                 agency="x", reason="y")
        assert not Referral.objects.exists()

    def test_a_resource_of_another_township_is_refused(self, regions, visit, person, people):
        far = rf.make_resource(rf.village_of(regions["township_b"]), name="外镇养老院")
        with pytest.raises((ValidationError, PermissionDenied)):
            referrals.refer_from(visit, user=people["worker_a"], recipient=person, resource=far, reason="入住")
        assert not Referral.objects.exists()


class TestPages:
    def test_refer_form_and_file_section(self, visit, person, people, client_for, clinic, english):
        client = client_for(people["worker_a"])
        url = f"/casework/refer/visit/{visit.pk}/"
        form = client.get(url)
        assert form.status_code == 200
        text = form.content.decode()
        assert "王桂兰" in text and "孤山镇卫生院" in text and 'type="radio"' in text
        response = client.post(url, {"recipient": person.pk, "resource": clinic.pk, "agency": "", "reason": "上门体检",
                                     "referred_on": "2025-03-02"})
        assert response.status_code == 302
        referral = Referral.objects.get()
        assert referral.source == visit and referral.referred_on == date(2025, 3, 2)
        file_page = client.get(f"/recipients/{person.pk}/").content.decode()
        assert "from:" in file_page and "home visit of 2025-03-01" in file_page

    def test_refer_form_refuses_both_or_neither(self, visit, person, people, client_for, clinic, english):
        client = client_for(people["worker_a"])
        url = f"/casework/refer/visit/{visit.pk}/"
        both = client.post(url, {"recipient": person.pk, "resource": clinic.pk, "agency": "县医院", "reason": "x",
                                 "referred_on": "2025-03-02"})
        assert both.status_code == 200 and "one of the two" in both.content.decode()
        assert not Referral.objects.exists()

    def test_out_of_reach_is_404(self, regions, people, client_for):
        person_b = rf.make_recipient(rf.village_of(regions["township_b"]), "乙某某")
        visit_b = make_visit(person_b, people["worker_b"])
        client = client_for(people["worker_a"])
        assert client.get(f"/casework/refer/visit/{visit_b.pk}/").status_code == 404
        assert client.post(f"/casework/refer/visit/{visit_b.pk}/", {"recipient": person_b.pk, "agency": "x", "reason": "y",
                                                                    "referred_on": "2025-03-02"}).status_code == 404
        assert client.get("/casework/refer/planet/1/").status_code == 404
        assert client_for(people["officer_a"]).get(f"/casework/refer/visit/{visit_b.pk}/").status_code == 404

    def test_record_block_lists_referrals_in_constant_queries(self, visit, person, people, django_assert_num_queries):
        from django.db import connection
        from django.template import Context, Template
        from django.test import RequestFactory
        from django.test.utils import CaptureQueriesContext

        template = Template("{% load casework_records %}{% record_referrals owner person %}")
        request = RequestFactory().get("/")
        request.user = people["worker_a"]

        def render():
            return template.render(Context({"request": request, "owner": visit, "person": person}))

        referrals.refer_from(visit, user=people["worker_a"], recipient=person, agency="县残联", reason="一")
        render()
        with CaptureQueriesContext(connection) as one:
            render()
        for n in range(3):
            referrals.refer_from(visit, user=people["worker_a"], recipient=person, agency="县残联", reason=f"第{n}次")
        with django_assert_num_queries(len(one.captured_queries)):
            html = render()
        assert html.count("县残联") == 4 and f"/casework/refer/visit/{visit.pk}/?recipient={person.pk}" in html

    def test_file_section_costs_the_same_for_many_sources(self, place, visit, person, people, client_for,
                                                          django_assert_num_queries, english):
        client = client_for(people["worker_a"])
        referrals.refer_from(visit, user=people["worker_a"], recipient=person, agency="县残联", reason="一")
        client.get(f"/recipients/{person.pk}/")
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as one:
            client.get(f"/recipients/{person.pk}/")
        for n in range(3):
            referrals.refer_from(make_visit(person, people["worker_a"], on=date(2025, 4, n + 1)), user=people["worker_a"],
                                 recipient=person, agency="县残联", reason=f"{n}")
        with django_assert_num_queries(len(one.captured_queries)):
            page = client.get(f"/recipients/{person.pk}/")
        assert page.content.decode().count("from:") == 4


class TestApi:
    def test_create_and_list_from_a_record(self, visit, person, people, client_for, clinic):
        client = client_for(people["worker_a"])
        created = client.post("/api/v1/casework-referrals/", {
            "owner_kind": "visit", "owner_id": visit.pk, "recipient": person.pk, "resource": clinic.pk, "reason": "体检",
        }, content_type="application/json")
        assert created.status_code == 201, created.content
        assert created.json()["source_kind"] == "visit" and created.json()["source_id"] == visit.pk
        listed = client.get(f"/api/v1/casework-referrals/?owner_kind=visit&owner_id={visit.pk}").json()["results"]
        assert [r["id"] for r in listed] == [created.json()["id"]]
        assert client.get(f"/api/v1/referrals/{created.json()['id']}/").json()["source_kind"] == "visit"
        stranger = rf.make_recipient(visit.region_id, "路人甲")
        refused = client.post("/api/v1/casework-referrals/", {
            "owner_kind": "visit", "owner_id": visit.pk, "recipient": stranger.pk, "agency": "x", "reason": "y",
        }, content_type="application/json")
        assert refused.status_code == 400 and "recipient" in refused.json()["errors"]
        assert client_for(people["worker_b"]).get("/api/v1/casework-referrals/").json()["results"] == []
