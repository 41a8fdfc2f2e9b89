"""The KPI and to-do API (monitoring/api.py): the answers' shape, 404 outside the caller's places
or contracts, 400 for a malformed period or a missing region."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from shegong.casework import models as cw
from shegong.contracts.models import Contract
from shegong.recipients.tests.factories import make_recipient, village_of
from shegong.stations.models import EightHaves, Evidence, Station
from shegong.workforce.tests.factories import make_station, make_worker

pytestmark = pytest.mark.django_db

FIGURE_KEYS = {"key", "label", "unit", "actual", "target", "expected", "completion", "numerator", "denominator",
               "status", "status_label", "source", "drill"}


@pytest.fixture
def stations(regions, operator, other_operator):
    a = make_station(regions["township_a"], operator, name="甲社工站")
    b = make_station(regions["township_b"], other_operator, name="乙社工站")
    Station.objects.filter(pk__in=[a.pk, b.pk]).update(status=Station.Status.OPERATING)
    for item in EightHaves.values:
        Evidence.objects.create(station=a, item=item, kind="note", note="有")
    make_worker(a, name="甲社工", took_post_on=date(2024, 1, 1))
    return a, b


def contract(regions, op, number, *stations):
    c = Contract.objects.create(
        number=number, purchaser_region=regions["county"], purchaser_name="海城市民政局", operator=op,
        cycle_start=date(2025, 1, 1), period_start=date(2025, 1, 1), period_end=date(2025, 12, 31),
        signed_on=date(2025, 1, 1), amount="100000", status="active",
    )
    c.stations.add(*stations)
    return c


def is_problem(response, status):
    return response.status_code == status and response["Content-Type"].startswith("application/problem+json")


# --- GET /api/v1/kpi/ ----------------------------------------------------------------------------


def test_a_countys_scorecard_with_its_townships(stations, people, regions, client_for):
    response = client_for(people["county_bureau"]).get("/api/v1/kpi/?region=210381&period=2025")
    assert response.status_code == 200
    card = response.json()
    assert (card["code"], card["name"]) == ("210381", "海城市")
    assert card["period"] == {"key": "2025", "label": card["period"]["label"], "start": "2025-01-01", "end": "2025-12-31"}
    assert card["stations"] == 2 and len(card["months"]) == 12
    figures = {f["key"]: f for f in card["figures"]}
    assert set(figures["eight_haves"]) == FIGURE_KEYS
    assert (figures["eight_haves"]["actual"], figures["eight_haves"]["status"]) == ("50", "lagging")
    children = {c["code"]: c for c in card["children"]}
    assert set(children) == {regions["township_a"].code, regions["township_b"].code}
    assert children[regions["township_a"].code]["figures"]["eight_haves"]["status"] == "met"


def test_the_period_defaults_to_the_current_year_and_takes_every_form(stations, people, client_for):
    client = client_for(people["county_bureau"])
    assert client.get("/api/v1/kpi/?region=210381").json()["period"]["key"] == str(timezone.localdate().year)
    for text in ("2025-H1", "2025-Q3", "2025-10", "2025-03..2025-08"):
        assert client.get(f"/api/v1/kpi/?region=210381&period={text}").json()["period"]["key"] == text


def test_outside_the_callers_places_is_404(stations, people, regions, client_for):
    a, b = regions["township_a"].code, regions["township_b"].code
    officer = client_for(people["officer_a"])
    assert officer.get(f"/api/v1/kpi/?region={a}").status_code == 200
    for code in ("210381", b, "21", "210302"):
        assert is_problem(officer.get(f"/api/v1/kpi/?region={code}"), 404), code
    # Under the caller's place but no such place: the same 404.
    assert is_problem(officer.get(f"/api/v1/kpi/?region={a}999"), 404)
    assert is_problem(client_for(people["evaluator"]).get("/api/v1/kpi/?region=999999"), 404)


def test_an_operator_manager_reads_its_townships_not_the_county(stations, people, regions, client_for):
    client = client_for(people["operator_manager"])
    assert is_problem(client.get("/api/v1/kpi/?region=210381"), 404)
    assert client.get(f"/api/v1/kpi/?region={regions['township_a'].code}").status_code == 200
    assert is_problem(client.get(f"/api/v1/kpi/?region={regions['township_b'].code}"), 404)  # another operator's


def test_a_bad_period_or_a_missing_region_is_400(stations, people, client_for):
    client = client_for(people["county_bureau"])
    for period in ("2025-13", "2025-Q5", "last year", "2025-08..2025-03", "9" * 40):
        response = client.get(f"/api/v1/kpi/?region=210381&period={period}")
        assert is_problem(response, 400), period
        assert "period" in response.json()["errors"]
    response = client.get("/api/v1/kpi/?period=2025")
    assert is_problem(response, 400) and "region" in response.json()["errors"]
    assert is_problem(client.get("/api/v1/kpi/?region=abc"), 400)


def test_anonymous_gets_a_problem(client):
    assert client.get("/api/v1/kpi/?region=210381").status_code in (401, 403)
    assert client.get("/api/v1/todo/").status_code in (401, 403)


# --- GET /api/v1/kpi/contracts/{id}/ --------------------------------------------------------------


def test_a_contracts_scorecard_and_its_scoping(stations, people, regions, operator, other_operator, client_for):
    a, b = stations
    own = contract(regions, operator, "HC-甲", a)
    other = contract(regions, other_operator, "HC-乙", b)
    bureau = client_for(people["county_bureau"])
    card = bureau.get(f"/api/v1/kpi/contracts/{own.pk}/").json()
    assert card["name"] == "HC-甲" and card["period"]["key"] == "2025" and card["stations"] == 1
    assert [c["code"] for c in card["children"]] == [regions["township_a"].code]
    assert bureau.get(f"/api/v1/kpi/contracts/{other.pk}/?period=2025-H1").json()["period"]["key"] == "2025-H1"
    manager = client_for(people["operator_manager"])
    assert manager.get(f"/api/v1/kpi/contracts/{own.pk}/").status_code == 200
    outside, missing = manager.get(f"/api/v1/kpi/contracts/{other.pk}/"), manager.get("/api/v1/kpi/contracts/999999/")
    assert is_problem(outside, 404) and is_problem(missing, 404)
    assert outside.json()["detail"] == missing.json()["detail"]
    assert is_problem(client_for(people["officer_a"]).get(f"/api/v1/kpi/contracts/{own.pk}/"), 404)
    assert is_problem(bureau.get(f"/api/v1/kpi/contracts/{own.pk}/?period=2025-99"), 400)


# --- GET /api/v1/todo/ ---------------------------------------------------------------------------


def test_the_callers_to_do_list(people, regions, client_for):
    today = timezone.localdate()
    a, b = village_of(regions["township_a"]), village_of(regions["township_b"])
    for days in (-3, -1, 2):
        cw.PlannedVisit.objects.create(region_id=a, recipient=make_recipient(a, "甲对象"), reason=cw.PlanReason.NEW,
                                       due_on=today + timedelta(days=days), assigned_to=people["worker_a"])
    cw.PlannedVisit.objects.create(region_id=b, recipient=make_recipient(b, "乙对象"), reason=cw.PlanReason.NEW,
                                   due_on=today - timedelta(days=9), assigned_to=people["worker_b"])
    answer = client_for(people["worker_a"]).get("/api/v1/todo/").json()
    assert (answer["as_of"], answer["count"], answer["overdue"]) == (today.isoformat(), 3, 2)
    first, second = answer["items"]
    assert set(first) == {"kind", "kind_label", "title", "detail", "url", "due", "overdue", "count"}
    assert (first["kind"], first["count"], first["overdue"], first["due"]) == (
        "visits", 2, True, (today - timedelta(days=3)).isoformat())
    assert (second["count"], second["overdue"], second["url"]) == (1, False, "/casework/visits/due/")
    other = client_for(people["worker_b"]).get("/api/v1/todo/").json()
    assert (other["count"], other["overdue"]) == (1, 1)
    assert client_for(people["evaluator"]).get("/api/v1/todo/").json() == {
        "as_of": today.isoformat(), "count": 0, "overdue": 0, "items": []}
