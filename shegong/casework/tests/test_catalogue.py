"""The service catalogue (服务清单): presets from the seeds, the narrowest profile wins, retiring
keeps old tags, the editor and the API for bureau and administrators only, the public page."""

from datetime import date
from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from shegong.casework import services_catalogue as svc
from shegong.casework.catalogue import catalogue_in_force, grouped_choices, items_for
from shegong.casework.catalogue_presets import CATALOGUE_PRESETS
from shegong.casework.models import ServiceDomain, ServiceItem
from shegong.casework.tests.factories import make_visit
from shegong.core.models import AuditEntry
from shegong.policies.models import PolicyProfile
from shegong.recipients.tests import factories as rf

pytestmark = pytest.mark.django_db


@pytest.fixture
def county_profile(regions):
    return PolicyProfile.objects.create(name="海城市规则", region=regions["county"])


def counts(profile):
    return {d.code: d.items.count() for d in ServiceDomain.objects.filter(profile=profile)}


class TestPresets:
    def test_haicheng_has_the_three_must_do_and_three_optional_domains(self, county_profile, people):
        svc.apply_catalogue_preset(people["county_bureau"], county_profile, "haicheng")
        domains = {d.name: d.kind for d in ServiceDomain.objects.filter(profile=county_profile)}
        assert domains == {
            "社会救助服务": "must", "儿童福利服务": "must", "养老服务": "must",
            "参与基层治理服务": "optional", "参与社会事务服务": "optional", "完善儿童福利服务": "optional",
        }
        assert counts(county_profile) == {"HC-1": 9, "HC-2": 4, "HC-3": 7, "HC-4": 4, "HC-5": 5, "HC-6": 3}
        assert ServiceItem.objects.get(code="HC-1.9").name == "协助开展特困供养人员生活自理能力评估"
        assert ServiceItem.objects.get(code="HC-6.3").name == "协助开展农村留守妇女关爱服务"

    def test_hainan_has_five_domains_and_thirty_items(self, county_profile):
        svc.apply_catalogue_preset(None, county_profile, "hainan")
        names = list(ServiceDomain.objects.filter(profile=county_profile).order_by("position").values_list("name", flat=True))
        assert names == ["社会救助", "养老服务", "儿童关爱保护", "城乡社区建设", "社会事务"]
        assert ServiceItem.objects.filter(domain__profile=county_profile).count() == 30
        assert set(counts(county_profile).values()) == {6}
        assert ServiceItem.objects.get(domain__profile=county_profile, code="HN-4.5").name == "精神健康社区服务"

    def test_jiangsu_lists_every_item_of_the_seed(self, county_profile):
        svc.apply_catalogue_preset(None, county_profile, "jiangsu")
        assert counts(county_profile) == {"JS-1": 3, "JS-2": 5, "JS-3": 4, "JS-4": 1}
        fallback = ServiceDomain.objects.get(profile=county_profile, name="兜底服务")
        assert list(fallback.items.order_by("position").values_list("name", flat=True)) == [
            "社会救助社会工作兜底服务", "养老服务社会工作兜底服务", "儿童关爱保护社会工作兜底服务",
            "残障人士社会工作兜底服务", "婚姻家庭社会工作兜底服务",
        ]
        assert "以家庭为单位建立居民需求档案" in ServiceItem.objects.get(code="JS-1.2").description

    def test_codes_are_unique_within_each_preset(self):
        for preset in CATALOGUE_PRESETS.values():
            codes = [item[0] for _, _, _, items in preset["domains"] for item in items]
            assert len(codes) == len(set(codes))

    def test_applying_twice_changes_nothing(self, county_profile, people):
        bureau = people["county_bureau"]
        first = svc.apply_catalogue_preset(bureau, county_profile, "haicheng")
        assert first == {"domains": 6, "items": 32}
        item = ServiceItem.objects.get(code="HC-2.1")
        svc.item_update(actor=bureau, item=item, name="困境儿童入户探访")
        before = list(ServiceItem.objects.order_by("pk").values_list("pk", "code", "name", "position", "active"))
        audits = AuditEntry.objects.filter(action="casework.catalogue_apply").count()
        assert svc.apply_catalogue_preset(bureau, county_profile, "haicheng") == {"domains": 0, "items": 0}
        assert list(ServiceItem.objects.order_by("pk").values_list("pk", "code", "name", "position", "active")) == before
        assert AuditEntry.objects.filter(action="casework.catalogue_apply").count() == audits == 1

    def test_a_missing_item_is_added_back_at_the_end_of_its_domain(self, county_profile):
        svc.apply_catalogue_preset(None, county_profile, "jiangsu")
        ServiceItem.objects.filter(code="JS-1.3").delete()
        assert svc.apply_catalogue_preset(None, county_profile, "jiangsu") == {"domains": 0, "items": 1}
        assert ServiceItem.objects.get(code="JS-1.3").position > ServiceItem.objects.get(code="JS-1.2").position

    def test_unknown_preset_and_foreign_profile_are_refused(self, county_profile, people, regions):
        with pytest.raises(ValidationError):
            svc.apply_catalogue_preset(None, county_profile, "atlantis")
        for who in ("worker_a", "officer_a", "station_lead"):
            with pytest.raises(PermissionDenied):
                svc.apply_catalogue_preset(people[who], county_profile, "haicheng")
        b_profile = PolicyProfile.objects.create(name="B", region=regions["township_b"])
        with pytest.raises(PermissionDenied):
            svc.apply_catalogue_preset(people["officer_b"], b_profile, "haicheng")
        assert not ServiceDomain.objects.exists()

    def test_policy_preset_brings_its_catalogue(self, regions, people):
        from shegong.policies.services import preset_apply

        preset_apply(actor=people["county_bureau"], preset="haicheng", region=regions["county"], valid_from=date(2024, 1, 1))
        profile = PolicyProfile.objects.get(region=regions["county"])
        assert ServiceItem.objects.filter(domain__profile=profile).count() == 32
        preset_apply(actor=people["county_bureau"], preset="shanxi", region=regions["township_a"], valid_from=date(2024, 1, 1))
        assert not ServiceDomain.objects.filter(profile__region=regions["township_a"]).exists()  # no catalogue in that preset


class TestInForce:
    def test_the_narrowest_profile_with_a_catalogue_wins(self, regions, county_profile):
        svc.apply_catalogue_preset(None, county_profile, "haicheng")
        village = rf.village_of(regions["township_a"])
        assert catalogue_in_force(village)[0] == county_profile
        township_profile = PolicyProfile.objects.create(name="孤山镇", region=regions["township_a"])
        assert catalogue_in_force(village)[0] == county_profile  # a profile without a catalogue changes nothing
        svc.apply_catalogue_preset(None, township_profile, "jiangsu")
        assert catalogue_in_force(village)[0] == township_profile
        assert {i.code[:2] for i in items_for(village)} == {"JS"}
        assert catalogue_in_force(rf.village_of(regions["township_b"]))[0] == county_profile
        assert grouped_choices(village)[0][0] == "基础服务"

    def test_retiring_keeps_old_tags_and_leaves_the_choices(self, regions, county_profile, people):
        svc.apply_catalogue_preset(None, county_profile, "haicheng")
        item = ServiceItem.objects.get(code="HC-3.2")
        person = rf.make_recipient(rf.village_of(regions["township_a"]), "李秀英")
        visit = make_visit(person, people["worker_a"])
        visit.items.add(item)
        assert svc.item_in_use(item)
        svc.item_set_active(actor=people["county_bureau"], item=item, active=False)
        assert item not in items_for(person.region_id)
        assert list(visit.items.all()) == [item]
        assert ServiceItem.objects.filter(pk=item.pk).exists()
        _, all_domains = catalogue_in_force(person.region_id, active_only=False)
        assert item in [i for d in all_domains for i in d.items.all()]
        assert AuditEntry.objects.filter(action="casework.catalogue_item_retire", object_id=str(item.pk)).exists()
        svc.item_set_active(actor=people["county_bureau"], item=item, active=True)
        assert item in items_for(person.region_id)


class TestEditing:
    def test_add_rename_reorder(self, county_profile, people):
        bureau = people["county_bureau"]
        domain = svc.domain_add(actor=bureau, profile=county_profile, code="X", name="特色服务", kind="optional")
        a = svc.item_add(actor=bureau, domain=domain, code="X-1", name="候鸟老人社区融入")
        b = svc.item_add(actor=bureau, domain=domain, code="X-2", name="精神健康服务")
        with pytest.raises(ValidationError):
            svc.item_add(actor=bureau, domain=domain, code="X-1", name="重复")
        with pytest.raises(ValidationError):
            svc.domain_add(actor=bureau, profile=county_profile, code="X", name="重复")
        with pytest.raises(ValidationError):
            svc.item_add(actor=bureau, domain=domain, code="X-3", name="  ")
        svc.item_move(actor=bureau, item=b, step=-1)
        assert list(domain.items.order_by("position").values_list("code", flat=True)) == ["X-2", "X-1"]
        svc.item_update(actor=bureau, item=a, name="社区融入")
        svc.domain_update(actor=bureau, domain=domain, name="特色项目", kind="must")
        domain.refresh_from_db()
        assert (domain.name, domain.kind) == ("特色项目", "must")
        with pytest.raises(PermissionDenied):
            svc.item_update(actor=people["worker_a"], item=a, name="x")


class TestPages:
    def test_catalogue_page_for_a_worker_shows_the_source_profile(self, regions, county_profile, people, client_for,
                                                                 django_assert_max_num_queries):
        svc.apply_catalogue_preset(None, county_profile, "haicheng")
        client = client_for(people["worker_a"])
        with django_assert_max_num_queries(18):
            page = client.get("/casework/catalogue/")
        assert page.status_code == 200
        text = page.content.decode()
        assert "海城市规则" in text and "社会救助服务" in text and "协助开展农村留守妇女关爱服务" in text
        assert "catalogue/profiles/" not in text  # a worker does not edit
        svc.apply_catalogue_preset(None, county_profile, "hainan")  # many more items: the same queries
        with django_assert_max_num_queries(18):
            assert "城乡社区建设" in client.get("/casework/catalogue/").content.decode()

    def test_query_count_does_not_grow_with_items(self, regions, county_profile, people, client_for, django_assert_num_queries):
        svc.apply_catalogue_preset(None, county_profile, "jiangsu")
        client = client_for(people["county_bureau"])
        client.get("/casework/catalogue/")
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as small:
            client.get("/casework/catalogue/")
        svc.apply_catalogue_preset(None, county_profile, "haicheng")
        with django_assert_num_queries(len(small.captured_queries)):
            page = client.get("/casework/catalogue/")
        assert f"/casework/catalogue/profiles/{county_profile.pk}/" in page.content.decode()

    def test_no_catalogue_and_unknown_region(self, people, client_for):
        client = client_for(people["worker_a"])
        assert client.get("/casework/catalogue/").status_code == 200
        assert client.get("/casework/catalogue/?region=999999").status_code == 404
        assert client.get("/casework/catalogue/?region=abc").status_code == 404

    def test_editor_for_the_bureau_only(self, county_profile, people, client_for, regions):
        assert client_for(people["worker_a"]).get(f"/casework/catalogue/profiles/{county_profile.pk}/").status_code == 404
        assert client_for(people["officer_a"]).post(
            f"/casework/catalogue/profiles/{county_profile.pk}/", {"op": "apply", "preset": "haicheng"}).status_code == 404
        assert not ServiceDomain.objects.exists()
        client = client_for(people["county_bureau"])
        url = f"/casework/catalogue/profiles/{county_profile.pk}/"
        assert client.get(url).status_code == 200
        assert client.post(url, {"op": "apply", "preset": "jiangsu"}).status_code == 302
        assert ServiceItem.objects.filter(domain__profile=county_profile).count() == 13
        item = ServiceItem.objects.get(code="JS-3.2")
        client.post(url, {"op": "item_retire", "item": item.pk})
        item.refresh_from_db()
        assert not item.active
        client.post(url, {"op": "item_update", "item": item.pk, "name": "社区慈善", "description": ""})
        item.refresh_from_db()
        assert item.name == "社区慈善"
        domain = item.domain
        client.post(url, {"op": "item_add", "domain": domain.pk, "code": "JS-3.5", "name": "社区基金会培育"})
        assert domain.items.filter(code="JS-3.5").exists()
        client.post(url, {"op": "domain_move", "domain": domain.pk, "step": "up"})
        assert list(ServiceDomain.objects.filter(profile=county_profile).order_by("position").values_list("code", flat=True)) == [
            "JS-1", "JS-3", "JS-2", "JS-4"]
        client.post(url, {"op": "domain_add", "code": "JS-5", "name": "延伸服务", "kind": ""})
        assert ServiceDomain.objects.filter(profile=county_profile, code="JS-5").exists()
        page = client.get(url).content.decode()
        assert "社区基金会培育" in page and "延伸服务" in page

    def test_editor_refuses_an_item_of_another_profile(self, county_profile, people, client_for, regions):
        other = PolicyProfile.objects.create(name="市规则", region=regions["city"])
        svc.apply_catalogue_preset(None, other, "jiangsu")
        item = ServiceItem.objects.get(code="JS-1.1")
        response = client_for(people["county_bureau"]).post(
            f"/casework/catalogue/profiles/{county_profile.pk}/", {"op": "item_retire", "item": item.pk})
        assert response.status_code == 404
        item.refresh_from_db()
        assert item.active

    def test_profile_page_links_to_the_editor(self, county_profile, people, client_for):
        page = client_for(people["county_bureau"]).get(f"/policies/profiles/{county_profile.pk}/")
        assert f"/casework/catalogue/profiles/{county_profile.pk}/" in page.content.decode()


class TestApi:
    def test_read_the_catalogue_of_a_place(self, regions, county_profile, people, client_for):
        svc.apply_catalogue_preset(None, county_profile, "haicheng")
        client = client_for(people["worker_a"])
        body = client.get(f"/api/v1/catalogue/?region={rf.village_of(regions['township_a'])}").json()
        assert body["profile"] == county_profile.pk and body["profile_region"] == "210381"
        assert [d["code"] for d in body["domains"]] == ["HC-1", "HC-2", "HC-3", "HC-4", "HC-5", "HC-6"]
        assert body["domains"][0]["kind"] == "must" and len(body["domains"][0]["items"]) == 9
        assert client.get("/api/v1/catalogue/").status_code == 400
        empty = client.get("/api/v1/catalogue/?region=21").json()
        assert empty["profile"] is None and empty["domains"] == []

    def test_editing_for_the_bureau_only(self, county_profile, people, client_for):
        worker = client_for(people["worker_a"])
        assert worker.post("/api/v1/catalogue/", {"profile": county_profile.pk, "preset": "hainan"},
                           content_type="application/json").status_code == 400
        assert not ServiceDomain.objects.exists()
        bureau = client_for(people["county_bureau"])
        applied = bureau.post("/api/v1/catalogue/", {"profile": county_profile.pk, "preset": "hainan"}, content_type="application/json")
        assert applied.status_code == 201 and applied.json() == {"domains": 5, "items": 30}
        assert worker.get("/api/v1/catalogue-domains/").json()["results"] == []
        domains = bureau.get(f"/api/v1/catalogue-domains/?profile={county_profile.pk}").json()["results"]
        assert len(domains) == 5
        item = ServiceItem.objects.get(code="HN-2.3")
        assert worker.patch(f"/api/v1/catalogue-items/{item.pk}/", {"active": False}, content_type="application/json").status_code == 404
        retired = bureau.patch(f"/api/v1/catalogue-items/{item.pk}/", {"active": False}, content_type="application/json")
        assert retired.status_code == 200 and retired.json()["active"] is False
        created = bureau.post("/api/v1/catalogue-items/", {"domain": item.domain_id, "code": "HN-2.7", "name": "助餐服务"},
                              content_type="application/json")
        assert created.status_code == 201
        dup = bureau.post("/api/v1/catalogue-items/", {"domain": item.domain_id, "code": "HN-2.7", "name": "重复"},
                          content_type="application/json")
        assert dup.status_code == 400 and dup["Content-Type"].startswith("application/problem+json")


class TestCommandAndDemo:
    def test_command_apply_and_show(self, regions):
        out = StringIO()
        call_command("catalogue", "apply", "jiangsu", "--region", "210381001", stdout=out)
        assert "13" in out.getvalue()
        out = StringIO()
        call_command("catalogue", "show", "--region", rf.village_of(regions["township_a"]), stdout=out)
        assert "兜底服务" in out.getvalue() and "JS-2.4 残障人士社会工作兜底服务" in out.getvalue()

    def test_demo_applies_haicheng_once(self, regions):
        from shegong.casework import demo_catalogue

        demo_catalogue.build(townships=[regions["township_a"]], today=date(2026, 6, 1))
        demo_catalogue.build(townships=[regions["township_a"]], today=date(2026, 6, 1))
        profile = PolicyProfile.objects.get(region=regions["county"])
        assert ServiceItem.objects.filter(domain__profile=profile).count() == 32
        assert not ServiceItem.objects.filter(code__startswith="JS").exists()
