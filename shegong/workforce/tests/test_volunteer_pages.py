"""Volunteer and local average wage pages: writes through the services, jurisdiction, exports."""

from datetime import date
from decimal import Decimal

import pytest

from shegong.core.models import AuditEntry
from shegong.workforce.models import LocalAverageWage, Volunteer, VolunteerService

from .test_views import xlsx_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def volunteers(station_a, station_b):
    """One volunteer in each township, with hours this year and last year."""
    this_year = date.today().year
    a = Volunteer.objects.create(station=station_a, name="甲镇志愿者")
    b = Volunteer.objects.create(station=station_b, name="乙镇志愿者")
    VolunteerService.objects.create(volunteer=a, date=date(this_year, 1, 5), hours=Decimal("3.5"))
    VolunteerService.objects.create(volunteer=a, date=date(this_year, 1, 6), hours=Decimal("1.5"))
    VolunteerService.objects.create(volunteer=a, date=date(this_year - 1, 6, 1), hours=Decimal("20"))
    return {"a": a, "b": b}


class TestVolunteerPages:
    def test_create_a_volunteer_and_log_hours_by_page(self, people, station_a, client_for):
        client = client_for(people["operator_manager"])
        assert client.get("/workforce/volunteers/new/").status_code == 200
        response = client.post("/workforce/volunteers/new/", {
            "station": station_a.pk, "name": "新志愿者", "phone": "13800000000", "joined_on": "2024-03-01",
        })
        volunteer = Volunteer.objects.get(name="新志愿者")
        assert response.status_code == 302 and response["Location"] == f"/workforce/volunteers/{volunteer.pk}/"
        assert volunteer.station == station_a
        assert AuditEntry.objects.filter(action="workforce.volunteer_create", object_id=str(volunteer.pk)).exists()

        today = date.today().isoformat()
        response = client.post(f"/workforce/volunteers/{volunteer.pk}/", {"date": today, "hours": "2.5", "activity": "探访独居老人"})
        assert response.status_code == 302
        service = volunteer.services.get()
        assert service.hours == Decimal("2.5") and service.activity == "探访独居老人"
        assert AuditEntry.objects.filter(action="workforce.volunteer_service_add").exists()
        page = client.get(f"/workforce/volunteers/{volunteer.pk}/").content.decode()
        assert "探访独居老人" in page and "2.5" in page

    def test_invalid_hours_show_the_form_again(self, people, volunteers, client_for):
        client = client_for(people["operator_manager"])
        response = client.post(f"/workforce/volunteers/{volunteers['a'].pk}/", {"date": "", "hours": "-1"})
        assert response.status_code == 200 and b'class="error"' in response.content
        assert volunteers["a"].services.count() == 3

    def test_township_b_volunteer_is_404_for_township_a_officer(self, people, volunteers, client_for):
        client = client_for(people["officer_a"])
        url = f"/workforce/volunteers/{volunteers['b'].pk}/"
        assert client.get(url).status_code == 404
        assert client.post(url, {"date": "2024-03-01", "hours": "2"}).status_code == 404
        assert not volunteers["b"].services.exists()
        page = client.get("/workforce/volunteers/").content.decode()
        assert "甲镇志愿者" in page and "乙镇志愿者" not in page
        # the officer reads the township's volunteers but neither registers nor logs hours
        assert client.get(f"/workforce/volunteers/{volunteers['a'].pk}/").status_code == 200
        assert client.post(f"/workforce/volunteers/{volunteers['a'].pk}/", {"date": "2024-03-01", "hours": "2"}).status_code == 404
        assert client.get("/workforce/volunteers/new/").status_code == 404

    def test_create_offers_only_stations_the_user_may_change(self, people, station_a, station_b, client_for):
        client = client_for(people["worker_a"])
        page = client.get("/workforce/volunteers/new/").content.decode()
        assert station_a.name in page and station_b.name not in page
        response = client.post("/workforce/volunteers/new/", {"station": station_b.pk, "name": "越权志愿者"})
        assert response.status_code == 200 and not Volunteer.objects.filter(name="越权志愿者").exists()

    def test_the_list_shows_hours_of_this_year(self, people, volunteers, client_for):
        page = client_for(people["county_bureau"]).get("/workforce/volunteers/").content.decode()
        row_a = page.split('data-volunteer="甲镇志愿者"')[1].split("</tr>")[0]
        assert ">5.0<" in row_a and ">25.0<" not in row_a  # last year's hours are not counted
        row_b = page.split('data-volunteer="乙镇志愿者"')[1].split("</tr>")[0]
        assert ">0.0<" in row_b

    def test_filters(self, people, volunteers, station_a, client_for):
        client = client_for(people["county_bureau"])
        page = client.get(f"/workforce/volunteers/?station={station_a.pk}").content.decode()
        assert "甲镇志愿者" in page and "乙镇志愿者" not in page
        page = client.get("/workforce/volunteers/?name=乙镇").content.decode()
        assert "乙镇志愿者" in page and "甲镇志愿者" not in page

    def test_export_holds_only_visible_volunteers_and_is_audited(self, people, volunteers, client_for):
        response = client_for(people["officer_a"]).get("/workforce/volunteers/?format=xlsx")
        text = xlsx_text(response.content)
        assert "甲镇志愿者" in text and "乙镇志愿者" not in text
        assert AuditEntry.objects.filter(action="workforce.volunteer_export").exists()

    def test_the_worker_list_links_the_new_pages(self, people, client_for):
        page = client_for(people["county_bureau"]).get("/workforce/workers/").content.decode()
        assert 'href="/workforce/volunteers/"' in page and 'href="/workforce/wages/"' in page


class TestWagePages:
    def test_county_bureau_sets_a_wage_and_the_list_shows_it(self, people, regions, client_for):
        client = client_for(people["county_bureau"])
        assert client.get("/workforce/wages/set/").status_code == 200
        response = client.post("/workforce/wages/set/", {
            "region": regions["township_a"].code, "year": "2024", "monthly_amount": "4800.00", "source": "统计公报",
        })
        assert response.status_code == 302
        wage = LocalAverageWage.objects.get(region=regions["township_a"], year=2024)
        assert wage.monthly_amount == Decimal("4800.00")
        assert AuditEntry.objects.filter(action="workforce.wage_set").exists()
        # entering the same place and year again corrects the figure
        client.post("/workforce/wages/set/", {"region": regions["township_a"].code, "year": "2024", "monthly_amount": "4900"})
        assert LocalAverageWage.objects.get(region=regions["township_a"], year=2024).monthly_amount == Decimal("4900.00")
        page = client.get("/workforce/wages/").content.decode()
        assert regions["township_a"].name in page and "4900.00" in page

    def test_a_worker_cannot_set_a_wage(self, people, regions, client_for):
        client = client_for(people["worker_a"])
        assert client.get("/workforce/wages/set/").status_code == 404
        response = client.post("/workforce/wages/set/", {
            "region": regions["township_a"].code, "year": "2024", "monthly_amount": "4800",
        })
        assert response.status_code == 404
        assert not LocalAverageWage.objects.exists()

    def test_a_bureau_sets_wages_only_within_its_places(self, people, regions, client_for):
        client = client_for(people["county_bureau"])
        response = client.post("/workforce/wages/set/", {"region": regions["city"].code, "year": "2024", "monthly_amount": "5000"})
        assert response.status_code == 200 and not LocalAverageWage.objects.exists()

    def test_the_list_shows_only_the_jurisdiction(self, people, regions, client_for):
        LocalAverageWage.objects.create(region=regions["township_a"], year=2024, monthly_amount=Decimal("4100"), source="甲镇公报")
        LocalAverageWage.objects.create(region=regions["township_b"], year=2024, monthly_amount=Decimal("4200"), source="乙镇公报")
        page = client_for(people["officer_a"]).get("/workforce/wages/").content.decode()
        assert "甲镇公报" in page and "乙镇公报" not in page
        assert "/workforce/wages/set/" not in page  # an officer reads but does not set
