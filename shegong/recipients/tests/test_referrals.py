"""Referrals (资源链接/转介): a person referred to a resource of their township or another agency.

Given a household of township A with an open need, resources in townships A and B,
when a worker refers the person and later records how it went,
then the referral is refused for another township's resource, the need moves to referred and,
on completion, to met; the file's timeline and the audit log record each step.
"""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from shegong.core.models import AuditEntry
from shegong.recipients import file_sections, services_needs
from shegong.recipients.models import Referral, TimelineEntry
from shegong.regions.models import Region

from .factories import make_assessment, make_household, make_recipient, make_resource

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def case(regions):
    village = Region.objects.filter(parent=regions["township_a"]).order_by("code").first()
    village_b = Region.objects.filter(parent=regions["township_b"]).order_by("code").first()
    household = make_household(village.code, head_name="陈老汉")
    person = make_recipient(village.code, "陈老汉", household=household, relation="head")
    assessment = make_assessment(household, on=date(2026, 3, 1), needs=(("health", "白内障手术"),))
    need = assessment.needs.get()
    need.recipient = person
    need.save()
    return {
        "person": person, "need": need, "household": household,
        "ours": make_resource(village.code, name="镇卫生院", kind="facility"),
        "township_wide": make_resource(regions["township_a"].code, name="孤山镇慈善分会", kind="charity"),
        "theirs": make_resource(village_b.code, name="乙镇医院", kind="facility"),
    }


def referral_post(**overrides):
    data = {"resource": "", "agency": "", "need": "", "reason": "需要手术费用支持", "referred_on": "2026-04-01"}
    return data | overrides


class TestCreate:
    def test_referral_marks_the_need_referred_and_writes_the_file(self, people, case, client_for):
        client = client_for(people["worker_a"])
        url = f"/recipients/{case['person'].pk}/referrals/new/"
        form = client.get(f"{url}?need={case['need'].pk}")
        assert form.context["form"].initial["need"] == str(case["need"].pk)
        choices = set(form.context["form"].fields["resource"].queryset)
        assert choices == {case["ours"], case["township_wide"]}  # the person's township only
        response = client.post(url, referral_post(resource=case["ours"].pk, need=case["need"].pk))
        referral = Referral.objects.get()
        assert response.status_code == 302 and response["Location"] == f"/recipients/referrals/{referral.pk}/"
        assert referral.resource == case["ours"] and referral.created_by == people["worker_a"]
        case["need"].refresh_from_db()
        assert case["need"].status == "referred"
        entry = TimelineEntry.objects.get(recipient=case["person"], kind="referral")
        assert "镇卫生院" in entry.summary and entry.link == f"/recipients/referrals/{referral.pk}/"
        row = AuditEntry.objects.get(action="recipient.referral_create")
        assert row.region_code == case["person"].region_id and row.detail["need"] == case["need"].pk
        page = client.get(f"/recipients/referrals/{referral.pk}/").content.decode()
        assert "白内障手术" in page and "镇卫生院" in page

    def test_a_resource_of_another_township_is_refused(self, people, case, client_for):
        client = client_for(people["worker_a"])
        response = client.post(f"/recipients/{case['person'].pk}/referrals/new/", referral_post(resource=case["theirs"].pk))
        assert response.status_code == 200 and response.context["form"].errors["resource"]
        with pytest.raises(ValidationError, match="own township"):
            services_needs.create_referral(people["worker_a"], case["person"], resource=case["theirs"], reason="x",
                                           referred_on=date(2026, 4, 1))
        assert not Referral.objects.exists()

    def test_exactly_one_of_resource_and_agency(self, people, case, client_for):
        client = client_for(people["worker_a"])
        url = f"/recipients/{case['person'].pk}/referrals/new/"
        both = client.post(url, referral_post(resource=case["ours"].pk, agency="市残联"))
        assert "one of the two" in str(both.context["form"].non_field_errors())
        neither = client.post(url, referral_post())
        assert "one of the two" in str(neither.context["form"].non_field_errors())
        assert not Referral.objects.exists()
        client.post(url, referral_post(agency="鞍山市残疾人联合会"))
        assert Referral.objects.get().target == "鞍山市残疾人联合会"

    def test_the_need_must_be_an_unmet_need_of_the_household(self, people, case):
        other = make_household(case["person"].region_id, head_name="别家")
        foreign = make_assessment(other).needs.get()
        with pytest.raises(ValidationError, match="not yet met"):
            services_needs.create_referral(people["worker_a"], case["person"], agency="市残联", need=foreign, reason="x",
                                           referred_on=date(2026, 4, 1))
        case["need"].status = "met"
        case["need"].save()
        with pytest.raises(ValidationError, match="not yet met"):
            services_needs.create_referral(people["worker_a"], case["person"], agency="市残联", need=case["need"],
                                           reason="x", referred_on=date(2026, 4, 1))
        with pytest.raises(ValidationError, match="future"):
            services_needs.create_referral(people["worker_a"], case["person"], agency="市残联", reason="x",
                                           referred_on=timezone.localdate() + timedelta(days=1))

    def test_readers_and_other_townships_cannot_refer(self, people, case, client_for):
        url = f"/recipients/{case['person'].pk}/referrals/new/"
        for who in ("county_bureau", "worker_b", "supervisor"):
            assert client_for(people[who]).get(url).status_code == 404, who
            assert client_for(people[who]).post(url, referral_post(agency="x")).status_code == 404, who
        assert not Referral.objects.exists()


class TestUpdate:
    @pytest.fixture
    def referral(self, people, case):
        return services_needs.create_referral(people["worker_a"], case["person"], resource=case["ours"], need=case["need"],
                                              reason="手术", referred_on=date(2026, 4, 1))

    def test_completion_marks_the_need_met(self, people, case, referral, client_for):
        client = client_for(people["worker_a"])
        url = f"/recipients/referrals/{referral.pk}/"
        client.post(url, {"status": "accepted", "outcome": "已预约"})
        referral.refresh_from_db()
        assert referral.status == "accepted" and referral.closed_on is None
        client.post(url, {"status": "completed", "outcome": "手术完成，费用由慈善分会资助", "closed_on": "2026-05-10",
                          "need_met": "on"})
        referral.refresh_from_db()
        case["need"].refresh_from_db()
        assert referral.status == "completed" and referral.closed_on == date(2026, 5, 10)
        assert case["need"].status == "met" and case["need"].resolved_on == date(2026, 5, 10)
        assert TimelineEntry.objects.filter(recipient=case["person"], kind="referral").count() == 3
        assert AuditEntry.objects.filter(action="recipient.referral_update").count() == 2

    def test_completion_without_the_box_leaves_the_need_referred(self, people, case, referral, client_for):
        client_for(people["worker_a"]).post(f"/recipients/referrals/{referral.pk}/", {"status": "completed", "closed_on": "2026-05-10"})
        case["need"].refresh_from_db()
        assert case["need"].status == "referred"

    def test_bad_updates_get_clear_errors(self, people, referral, client_for):
        client = client_for(people["worker_a"])
        url = f"/recipients/referrals/{referral.pk}/"
        early = client.post(url, {"status": "completed", "closed_on": "2026-03-01"})
        assert "before it was made" in str(early.context["form"].errors["closed_on"])
        declined = client.post(url, {"status": "declined", "need_met": "on"})
        assert "completed referral" in str(declined.context["form"].errors["need_met"])
        pending = client.post(url, {"status": "accepted", "closed_on": "2026-05-01"})
        assert pending.context["form"].errors["closed_on"]
        referral.refresh_from_db()
        assert referral.status == "pending"

    def test_readers_see_but_cannot_change(self, people, referral, client_for):
        reader = client_for(people["county_bureau"])
        page = reader.get(f"/recipients/referrals/{referral.pk}/")
        assert page.status_code == 200 and page.context["form"] is None
        assert reader.post(f"/recipients/referrals/{referral.pk}/", {"status": "completed"}).status_code == 404
        assert client_for(people["officer_b"]).get(f"/recipients/referrals/{referral.pk}/").status_code == 404
        referral.refresh_from_db()
        assert referral.status == "pending"


class TestFileSection:
    def test_referrals_section_in_constant_queries(self, people, case, rf, django_assert_num_queries):
        request = rf.get("/")
        request.user = people["worker_a"]
        file_sections.referrals_section(request, case["person"])
        Referral.objects.create(recipient=case["person"], agency="市残联", reason="一", referred_on=date(2026, 1, 1))
        with django_assert_num_queries(1):
            file_sections.referrals_section(request, case["person"])
        for i in range(15):
            Referral.objects.create(recipient=case["person"], resource=case["ours"], need=case["need"], reason=f"第{i}次",
                                    referred_on=date(2026, 2, 1))
        with django_assert_num_queries(1):
            section = file_sections.referrals_section(request, case["person"])["referrals_section"]
        assert len(section["referrals"]) == 16 and section["can_change"]

    def test_the_file_page_shows_the_referrals(self, people, case, client_for):
        services_needs.create_referral(people["worker_a"], case["person"], agency="鞍山市残疾人联合会", reason="辅具申请",
                                       referred_on=date(2026, 4, 1))
        page = client_for(people["worker_a"]).get(f"/recipients/{case['person'].pk}/").content.decode()
        assert 'data-testid="file-referrals"' in page and "鞍山市残疾人联合会" in page
        assert f"/recipients/{case['person'].pk}/referrals/new/" in page
        reader = client_for(people["county_bureau"]).get(f"/recipients/{case['person'].pk}/").content.decode()
        assert "辅具申请" in reader and f"/recipients/{case['person'].pk}/referrals/new/" not in reader

    def test_merged_file_has_no_sections(self, people, case, rf):
        survivor = make_recipient(case["person"].region_id, "陈老汉")
        case["person"].merged_into = survivor
        case["person"].save()
        request = rf.get("/")
        request.user = people["worker_a"]
        assert file_sections.referrals_section(request, case["person"]) is None
        assert file_sections.needs_section(request, case["person"]) is None


def test_referral_page_query_count(people, case, client_for, django_assert_max_num_queries):
    referral = services_needs.create_referral(people["worker_a"], case["person"], resource=case["ours"], need=case["need"],
                                              reason="手术", referred_on=date(2026, 4, 1))
    client = client_for(people["worker_a"])
    client.get(f"/recipients/referrals/{referral.pk}/")
    with django_assert_max_num_queries(12):
        assert client.get(f"/recipients/referrals/{referral.pk}/").status_code == 200
