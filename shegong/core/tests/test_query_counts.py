"""Every list page of the supply side costs the same number of queries for 3 rows or 30."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shegong.stations.models import Evidence, Station

pytestmark = pytest.mark.django_db

# Each list, and a row the page must show once 30 rows exist (so the count is of a real list).
LISTS = {
    "/stations/": "站29", "/stations/operators/": "海城市阳光社会工作服务中心", "/stations/coverage/": "站29",
    "/contracts/": "HC-29", "/workforce/workers/": "社工29", "/workforce/sessions/": "培训29",
    "/workforce/volunteers/": "志愿者29", "/workforce/wages/": "2029", "/policies/": "海城市",
}


def queries_for(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        assert response.status_code == 200, url
    return len(ctx.captured_queries), response.content.decode()


def add_rows(regions, operator, start):
    from shegong.contracts.models import Contract
    from shegong.workforce.models import LocalAverageWage, Session, Volunteer
    from shegong.workforce.tests.factories import make_worker

    township = regions["township_a"]
    for i in range(start, start + 10):
        station = Station.objects.create(name=f"站{i}", region=township, operator=operator, status="operating")
        Evidence.objects.create(station=station, item="rules", kind="note", note="制度")
        worker = make_worker(station, name=f"社工{i}")
        Volunteer.objects.create(name=f"志愿者{i}", station=station, joined_on=date(2025, 1, 1))
        session = Session.objects.create(kind="training", date=date(2025, 5, 1), hours="4", topic=f"培训{i}",
                                         region=township, operator=operator)
        session.attendance.create(worker=worker, hours="4")
        Contract.objects.create(
            number=f"HC-{i}", purchaser_region=regions["county"], purchaser_name="海城市民政局", operator=operator,
            cycle_start=date(2025, 1, 1), period_start=date(2025, 1, 1), period_end=date(2025, 12, 31),
            signed_on=date(2025, 1, 1), amount="100000",
        ).stations.add(station)
        LocalAverageWage.objects.create(region=township, year=2000 + i, monthly_amount="5000")


@pytest.mark.parametrize("url", LISTS)
def test_list_pages_cost_the_same_for_few_or_many_rows(url, people, regions, operator, client_for):
    client = client_for(people["county_bureau"])
    add_rows(regions, operator, 0)
    client.get(url)  # warm per-process caches
    few, _ = queries_for(client, url)
    add_rows(regions, operator, 10)
    add_rows(regions, operator, 20)
    many, page = queries_for(client, url)
    assert LISTS[url] in page, f"{url} does not show its rows"
    assert many == few, f"{url}: {few} queries with 10 rows, {many} with 30"
