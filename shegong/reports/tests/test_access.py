"""Who reads which report, by page and by API; outside is a 404 exactly like a missing report.

Given 海城市's reports — the operator's October report, another operator's October report, and the
county's third-quarter report — when officials of another county, operator managers, township
officers and the offices above open them, then each sees only what its place and organisation reach,
and a draft only its writer.
"""

from datetime import date

import pytest

from shegong.contracts import services as contracts
from shegong.monitoring.periods import Period
from shegong.reports import services
from shegong.reports.models import Report

pytestmark = pytest.mark.django_db


@pytest.fixture
def reports(programme, monthly, other_operator, make_user):
    people, regions = programme["people"], programme["regions"]
    from shegong.stations.models import Station

    other_station = Station.objects.create(name="海城市第三社工站", region=regions["township_b"], operator=other_operator,
                                           status=Station.Status.OPERATING)
    other_contract = contracts.contract_create(
        actor=None, number="HC-2025-002", purchaser_region=regions["county"], purchaser_name="海城市民政局",
        operator=other_operator, stations=[other_station], cycle_start=date(2025, 1, 1), period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31), signed_on=date(2025, 1, 6), amount="300000", status="active",
    )
    other_manager = make_user("operator_manager", regions["county"], operator=other_operator, username="other_manager")
    theirs = services.create_report(actor=other_manager, period=Period.month(2025, 10), contract=other_contract)
    theirs = services.update_narrative(actor=other_manager, report=theirs, expected_version=theirs.version, summary="乙机构月报")
    theirs = services.submit(actor=other_manager, report=theirs)
    ours = services.submit(actor=people["operator_manager"], report=monthly)
    county = services.create_report(actor=people["county_bureau"], period=Period.quarter(2025, 3), region=regions["county"])
    county = services.update_narrative(actor=people["county_bureau"], report=county, expected_version=county.version,
                                       summary="县季报")
    county = services.submit(actor=people["county_bureau"], report=county)
    return {"ours": ours, "theirs": theirs, "county": county, "other_manager": other_manager}


def _ids(client, url="/api/v1/reports/"):
    return {r["id"] for r in client.get(url).json()["results"]}


def test_another_countys_bureau_gets_404(reports, other_county, make_user, client_for):
    stranger = client_for(make_user("bureau", other_county, username="tiedong_bureau"))
    report = reports["ours"]
    missing = Report.objects.order_by("-pk").first().pk + 100
    for suffix in ("", "edit/", "report.xlsx", "report.docx", "report.pdf"):
        outside, absent = stranger.get(f"/reports/{report.pk}/{suffix}"), stranger.get(f"/reports/{missing}/{suffix}")
        assert outside.status_code == absent.status_code == 404, suffix
    for step in ("submit", "return", "approve", "correct", "refresh"):
        assert stranger.post(f"/reports/{report.pk}/{step}/", {"ret-comment": "x"}).status_code == 404, step
    assert "工作月报" not in stranger.get("/reports/").content.decode()
    assert _ids(stranger) == set()
    api_outside = stranger.get(f"/api/v1/reports/{report.pk}/")
    api_missing = stranger.get(f"/api/v1/reports/{missing}/")
    assert api_outside.status_code == api_missing.status_code == 404
    assert api_outside.json()["title"] == api_missing.json()["title"]
    assert stranger.post(f"/api/v1/reports/{report.pk}/approve/", {}, content_type="application/json").status_code == 404
    assert Report.objects.get(pk=report.pk).status == "submitted"


def test_an_operator_manager_sees_only_its_own_reports(reports, programme, client_for):
    client = client_for(programme["people"]["operator_manager"])
    assert _ids(client) == {reports["ours"].pk}
    listed = client.get("/reports/").content.decode()
    assert f'/reports/{reports["ours"].pk}/"' in listed
    assert f'/reports/{reports["theirs"].pk}/"' not in listed and f'/reports/{reports["county"].pk}/"' not in listed
    for other in ("theirs", "county"):
        assert client.get(f"/reports/{reports[other].pk}/").status_code == 404
        assert client.get(f"/api/v1/reports/{reports[other].pk}/").status_code == 404


def test_the_county_reads_every_operators_report_and_the_city_the_countys(reports, programme, client_for):
    people = programme["people"]
    assert _ids(client_for(people["county_bureau"])) == {reports["ours"].pk, reports["theirs"].pk, reports["county"].pk}
    city = client_for(people["city_bureau"])
    assert _ids(city) == {reports["ours"].pk, reports["theirs"].pk, reports["county"].pk}
    # The city reads the operators' reports but the county reviews them.
    page = city.get(f"/reports/{reports['ours'].pk}/").content.decode()
    assert 'data-testid="approve-form"' not in page
    city.post(f"/reports/{reports['ours'].pk}/approve/", {"app-version": reports["ours"].version})
    assert Report.objects.get(pk=reports["ours"].pk).status == "submitted"
    assert 'data-testid="approve-form"' in city.get(f"/reports/{reports['county'].pk}/").content.decode()


def test_a_draft_is_its_writers_only(programme, monthly, client_for):
    people = programme["people"]
    official = client_for(people["county_bureau"])
    assert official.get(f"/reports/{monthly.pk}/").status_code == 404
    assert monthly.pk not in _ids(official)
    assert client_for(people["operator_manager"]).get(f"/reports/{monthly.pk}/").status_code == 200
    services.submit(actor=people["operator_manager"], report=monthly)
    assert official.get(f"/reports/{monthly.pk}/").status_code == 200


def test_a_township_officer_reads_no_county_report(reports, programme, client_for):
    client = client_for(programme["people"]["officer_a"])
    assert client.get("/reports/").status_code == 200
    assert _ids(client) == set()
    assert client.get(f"/reports/{reports['ours'].pk}/").status_code == 404


def test_people_without_a_reporting_role_see_nothing(reports, programme, client_for):
    for who in ("worker_a", "station_lead", "supervisor", "evaluator"):
        client = client_for(programme["people"][who])
        assert _ids(client) == set(), who
        assert client.get(f"/reports/{reports['ours'].pk}/").status_code == 404, who
