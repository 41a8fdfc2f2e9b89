"""Big lists stay answerable: counts stop at a cap, and filters with too many choices are left out."""

import pytest

from shegong.casework.tests.factories import make_visit
from shegong.core import lists
from shegong.recipients.tests import factories as rf

pytestmark = pytest.mark.django_db


@pytest.fixture
def six_people(regions):
    village = rf.village_of(regions["township_a"])
    return [rf.make_recipient(village, f"张{i}", status="in_service") for i in range(6)]


def test_a_list_under_the_cap_counts_exactly(six_people, people, client_for):
    page = client_for(people["county_bureau"]).get("/recipients/").content.decode()
    assert "共6人" in page
    assert "超过" not in page


def test_a_list_over_the_cap_says_so_and_stops(six_people, people, client_for, monkeypatch):
    monkeypatch.setattr(lists.CappedPaginator, "cap", 4)
    monkeypatch.setattr(lists, "PAGE_SIZE", 2)
    client = client_for(people["county_bureau"])
    response = client.get("/recipients/")
    page = response.content.decode()
    paginator = response.context["page"].paginator
    assert paginator.capped and paginator.count == 4 and paginator.num_pages == 2
    assert "超过4条" in page
    assert client.get("/recipients/?page=3").context["page"].number == 2  # the pages stop at the cap


def test_filters_with_too_many_choices_are_left_out(people, regions, client_for, monkeypatch):
    from shegong.casework import views_visits

    village = rf.village_of(regions["township_a"])
    make_visit(rf.make_recipient(village, "王五", status="in_service"), people["worker_a"])
    client = client_for(people["county_bureau"])
    form = client.get("/casework/visits/").context["form"]
    assert "village" in form.fields and "worker" in form.fields
    monkeypatch.setattr(views_visits, "CHOICES_CAP", 1)
    response = client.get("/casework/visits/")
    assert "village" not in response.context["form"].fields and "worker" not in response.context["form"].fields
    assert "王五" in response.content.decode()  # the list itself is all there
    plans = client.get("/casework/visits/plans/")
    assert plans.status_code == 200 and "village" not in plans.context["form"].fields
