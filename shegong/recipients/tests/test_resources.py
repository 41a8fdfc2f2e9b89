"""The resource database (资源库): kept per community by the township's workers, checked yearly.

Given resources in the villages of township A and one in township B,
when workers add, edit and check them, and others list and export them,
then places are chosen only within reach, saving counts as the yearly check unless told not
to, the list flags entries not checked for a year, and exports are audited.
"""

import io
import zipfile
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shegong.core.models import AuditEntry
from shegong.recipients import services_needs
from shegong.recipients.models import Resource
from shegong.regions.models import Region

from .factories import make_resource

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def villages(regions):
    a = list(Region.objects.filter(parent=regions["township_a"]).order_by("code")[:2])
    b = Region.objects.filter(parent=regions["township_b"]).order_by("code").first()
    return {"a1": a[0], "a2": a[1], "b": b}


def xlsx_text(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return b"".join(z.read(n) for n in z.namelist() if n.endswith(".xml")).decode()


def resource_post(region, **overrides):
    data = {"region": region.code, "kind": "charity", "name": "海城市慈善总会孤山分会", "services": "助学金、大病救助",
            "domains": ["health", "education"], "contact_person": "刘会长", "contact_phone": "0412-3200000",
            "address": "孤山镇政府院内", "active": "on", "checked_on": timezone.localdate().isoformat()}
    return data | overrides


class TestCreate:
    def test_worker_adds_a_resource_of_a_village(self, people, villages, client_for):
        client = client_for(people["worker_a"])
        form = client.get("/recipients/resources/new/")
        choices = {r.code for r in form.context["form"].fields["region"].queryset}
        assert villages["a1"].code in choices and villages["a2"].code in choices
        assert people["worker_a"].role_assignments.get().region_id in choices  # the township itself
        assert villages["b"].code not in choices and not any(len(c) < 9 for c in choices)
        response = client.post("/recipients/resources/new/", resource_post(villages["a1"]))
        resource = Resource.objects.get()
        assert response.status_code == 302 and response["Location"] == f"/recipients/resources/{resource.pk}/"
        assert resource.region_id == villages["a1"].code and resource.domains == ["health", "education"]
        assert resource.checked_on == timezone.localdate() and resource.active
        assert AuditEntry.objects.get(action="recipient.resource_create").region_code == villages["a1"].code
        page = client.get(f"/recipients/resources/{resource.pk}/").content.decode()
        assert "海城市慈善总会孤山分会" in page and "刘会长" in page

    def test_places_outside_reach_are_refused(self, people, villages, client_for):
        client = client_for(people["worker_a"])
        response = client.post("/recipients/resources/new/", resource_post(villages["b"]))
        assert response.status_code == 200 and response.context["form"].errors["region"]
        with pytest.raises(PermissionDenied):
            services_needs.create_resource(people["worker_a"], region_code=villages["b"].code, kind="charity", name="x")
        assert not Resource.objects.exists()

    def test_bad_input_gets_a_clear_error(self, people, villages, client_for):
        client = client_for(people["worker_a"])
        response = client.post("/recipients/resources/new/", resource_post(
            villages["a1"], name="", checked_on=(timezone.localdate() + timedelta(days=2)).isoformat()))
        errors = response.context["form"].errors
        assert "name" in errors
        response = client.post("/recipients/resources/new/", resource_post(
            villages["a1"], checked_on=(timezone.localdate() + timedelta(days=2)).isoformat()))
        assert "future" in str(response.context["form"].errors["checked_on"])
        assert not Resource.objects.exists()

    def test_readers_get_no_form(self, people, client_for):
        for who in ("county_bureau", "operator_manager", "supervisor"):
            assert client_for(people[who]).get("/recipients/resources/new/").status_code == 404, who
        page = client_for(people["county_bureau"]).get("/recipients/resources/").content.decode()
        assert "/recipients/resources/new/" not in page


class TestEditAndCheck:
    def test_saving_counts_as_checked_today_unless_unticked(self, people, villages, client_for):
        old = date(2024, 5, 1)
        resource = make_resource(villages["a1"].code, checked_on=old)
        client = client_for(people["worker_a"])
        url = f"/recipients/resources/{resource.pk}/edit/"
        form = client.get(url)
        assert form.context["form"].initial["name"] == "爱心志愿服务队"
        data = resource_post(villages["a2"], name="爱心志愿服务队（改）", kind="volunteer_team")
        data.pop("checked_on")
        client.post(url, data)  # "mark as checked" left unticked
        resource.refresh_from_db()
        assert resource.name == "爱心志愿服务队（改）" and resource.region_id == villages["a2"].code
        assert resource.checked_on == old
        client.post(url, data | {"mark_checked": "on", "active": ""})
        resource.refresh_from_db()
        assert resource.checked_on == timezone.localdate() and not resource.active
        updates = AuditEntry.objects.filter(action="recipient.resource_update").order_by("pk")
        assert [u.detail["checked"] for u in updates] == [False, True]
        assert "name" in updates[0].detail["fields"]

    def test_mark_checked_button(self, people, villages, client_for):
        resource = make_resource(villages["a1"].code, checked_on=date(2024, 5, 1))
        client = client_for(people["worker_a"])
        page = client.get(f"/recipients/resources/{resource.pk}/").content.decode()
        assert f"/recipients/resources/{resource.pk}/check/" in page
        assert client.get(f"/recipients/resources/{resource.pk}/check/").status_code == 405
        client.post(f"/recipients/resources/{resource.pk}/check/")
        resource.refresh_from_db()
        assert resource.checked_on == timezone.localdate()
        assert AuditEntry.objects.filter(action="recipient.resource_check", object_id=str(resource.pk)).exists()

    def test_readers_and_other_townships_cannot_change(self, people, villages, client_for):
        resource = make_resource(villages["a1"].code, checked_on=date(2024, 5, 1))
        reader = client_for(people["county_bureau"])
        assert reader.get(f"/recipients/resources/{resource.pk}/").status_code == 200
        assert f"/recipients/resources/{resource.pk}/check/" not in reader.get(f"/recipients/resources/{resource.pk}/").content.decode()
        assert reader.post(f"/recipients/resources/{resource.pk}/check/").status_code == 404
        assert reader.get(f"/recipients/resources/{resource.pk}/edit/").status_code == 404
        other = client_for(people["worker_b"])
        assert other.get(f"/recipients/resources/{resource.pk}/").status_code == 404
        resource.refresh_from_db()
        assert resource.checked_on == date(2024, 5, 1)


class TestList:
    @pytest.fixture
    def stock(self, villages):
        today = timezone.localdate()
        fresh = make_resource(villages["a1"].code, name="孤山助老服务队", checked_on=today - timedelta(days=30))
        fresh.domains = ["care"]
        fresh.save()
        stale = make_resource(villages["a2"].code, name="镇卫生院", kind="facility", checked_on=today - timedelta(days=400))
        stale.domains = ["health"]
        stale.save()
        make_resource(villages["b"].code, name="乙镇爱心超市", kind="charity")
        return {"fresh": fresh, "stale": stale}

    def listed(self, client, query=""):
        return {r.name for r in client.get(f"/recipients/resources/?{query}").context["page"].object_list}

    def test_filters_and_the_yearly_check_flag(self, people, stock, villages, client_for):
        client = client_for(people["worker_a"])
        assert self.listed(client) == {"孤山助老服务队", "镇卫生院"}
        assert self.listed(client, "due=on") == {"镇卫生院"}
        assert self.listed(client, "kind=facility") == {"镇卫生院"}
        assert self.listed(client, "domain=care") == {"孤山助老服务队"}
        assert self.listed(client, f"place={villages['a2'].code}") == {"镇卫生院"}
        assert self.listed(client, f"place={villages['b'].code}") == set()
        page = client.get("/recipients/resources/").content.decode()
        assert page.count("pill bad") == 1  # the stale one is flagged
        assert "/recipients/duplicates/" in page and "/recipients/needs/" in page  # the local navigation

    def test_operator_manager_reads_resources_but_no_recipients(self, people, stock, client_for):
        from shegong.recipients.models import Referral

        from .factories import make_recipient

        person = make_recipient(stock["stale"].region_id, "丙病人")
        Referral.objects.create(recipient=person, resource=stock["stale"], reason="体检", referred_on=date(2026, 1, 5))
        manager = client_for(people["operator_manager"])
        assert self.listed(manager) == {"孤山助老服务队", "镇卫生院", "乙镇爱心超市"}
        assert "丙病人" not in manager.get(f"/recipients/resources/{stock['stale'].pk}/").content.decode()
        assert "/recipients/duplicates/" not in manager.get("/recipients/resources/").content.decode()
        assert "丙病人" in client_for(people["worker_a"]).get(f"/recipients/resources/{stock['stale'].pk}/").content.decode()

    def test_export_is_audited(self, people, stock, client_for):
        response = client_for(people["officer_a"]).get("/recipients/resources/?due=on&format=xlsx")
        text = xlsx_text(response.content)
        assert "镇卫生院" in text and "孤山助老服务队" not in text and "乙镇爱心超市" not in text
        row = AuditEntry.objects.get(action="recipient.resource_export")
        assert row.detail["filters"] == {"due": "on"} and row.detail["rows"] == 1

    def test_navigation_offers_resources(self, people, client_for):
        assert "/recipients/resources/" in client_for(people["worker_a"]).get("/").content.decode()
        assert "/recipients/resources/" not in client_for(people["evaluator"]).get("/").content.decode()

    def test_constant_query_count(self, people, villages, client_for):
        client = client_for(people["worker_a"])

        def add(start, n):
            for i in range(start, start + n):
                make_resource(villages["a1"].code, name=f"资源{i}")

        add(0, 3)
        client.get("/recipients/resources/")
        with CaptureQueriesContext(connection) as few:
            client.get("/recipients/resources/")
        add(3, 27)
        with CaptureQueriesContext(connection) as many:
            page = client.get("/recipients/resources/").content.decode()
        assert "资源29" in page
        assert len(many.captured_queries) == len(few.captured_queries)


def test_resource_page_costs_the_same_for_few_or_many_referrals(people, villages, client_for):
    from shegong.recipients.models import Referral

    from .factories import make_recipient

    resource = make_resource(villages["a1"].code)
    client = client_for(people["worker_a"])
    url = f"/recipients/resources/{resource.pk}/"

    def add(start, n):
        for i in range(start, start + n):
            person = make_recipient(villages["a1"].code, f"转介人{i}")
            Referral.objects.create(recipient=person, resource=resource, reason="x", referred_on=date(2026, 4, 1))

    add(0, 2)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    add(2, 20)
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert "转介人21" in page
    assert len(many.captured_queries) == len(few.captured_queries)
