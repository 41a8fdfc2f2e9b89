"""Operators, stations, eight-haves evidence and coverage."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from stdnum.cn import uscc

from shegong.core.models import AuditEntry
from shegong.policies.services import preset_apply
from shegong.stations import selectors, services
from shegong.stations.models import EightHaves, Station

pytestmark = pytest.mark.django_db
TODAY = date(2025, 6, 1)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def valid_code(seq=7):
    base = f"5221038100{seq:07d}"[:17]
    return base + uscc.calc_check_digit(base)


@pytest.fixture
def station_a(regions, operator):
    return Station.objects.create(
        name="海州街道社工站", region=regions["township_a"], operator=operator, status="operating", venue_area=Decimal("60")
    )


@pytest.fixture
def station_b(regions, other_operator):
    return Station.objects.create(name="兴海街道社工站", region=regions["township_b"], operator=other_operator)


class TestOperators:
    def test_register_with_a_messy_but_valid_credit_code(self, people, regions):
        messy = " " + valid_code().lower().replace("5", "５", 1) + " "
        operator = services.operator_register(actor=people["county_bureau"], name="海城市心语社工服务中心", credit_code=messy, region=regions["county"])
        assert operator.credit_code == valid_code()
        assert AuditEntry.objects.filter(action="operator.register", object_id=str(operator.pk)).exists()

    def test_bad_check_character_is_refused(self, people, regions):
        bad = valid_code()[:-1] + ("0" if valid_code()[-1] != "0" else "1")
        with pytest.raises(ValidationError) as err:
            services.operator_register(actor=people["county_bureau"], name="x", credit_code=bad, region=regions["county"])
        assert "credit_code" in err.value.message_dict

    def test_duplicate_code_is_refused(self, people, regions, operator):
        with pytest.raises(ValidationError):
            services.operator_register(actor=people["county_bureau"], name="x", credit_code=operator.credit_code, region=regions["county"])

    def test_township_officer_cannot_register(self, people, regions):
        with pytest.raises(PermissionDenied):
            services.operator_register(actor=people["officer_a"], name="x", credit_code=valid_code(), region=regions["township_a"])


class TestEightHaves:
    def test_missing_items_are_listed_until_evidenced(self, people, station_a):
        services.evidence_add(actor=people["county_bureau"], station=station_a, item=EightHaves.RULES, kind="note", note="制度上墙")
        photo = SimpleUploadedFile("signboard.png", PNG, content_type="image/png")
        services.evidence_add(actor=people["operator_manager"], station=station_a, item=EightHaves.SIGNBOARD, kind="photo", file=photo)
        state = selectors.eight_haves(Station.objects.get(pk=station_a.pk), on=TODAY)
        met = {i.item for i in state.items if i.met}
        assert met == {"rules", "signboard"}
        assert {i.item for i in state.missing} == set(EightHaves.values) - met
        assert not state.complete

    def test_venue_area_is_judged_by_the_profile_in_force(self, people, station_a, regions):
        services.evidence_add(actor=None, station=station_a, item=EightHaves.PLACE, kind="note", note="办公室两间")
        preset_apply(actor=None, preset="jiangsu", region=regions["county"], valid_from=date(2024, 1, 1))
        place = next(i for i in selectors.eight_haves(station_a, on=TODAY).items if i.item == "place")
        assert place.met  # 60 m² ≥ Jiangsu's 40 m²
        preset_apply(actor=None, preset="jieyang", region=regions["township_a"], valid_from=date(2024, 1, 1))
        state = selectors.eight_haves(station_a, on=TODAY)
        place = next(i for i in state.items if i.item == "place")
        assert not place.met and "300" in place.problems[0]  # the community-centre standard
        assert "station_min_area_m2" in state.policy_sources

    def test_renamed_executable_and_oversized_files_are_refused(self, people, station_a):
        fake = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00" + b"\x00" * 100, content_type="image/jpeg")
        with pytest.raises(ValidationError):
            services.evidence_add(actor=people["county_bureau"], station=station_a, item="place", kind="photo", file=fake)
        pdf_as_photo = SimpleUploadedFile("scan.jpg", b"%PDF-1.4 ...", content_type="image/jpeg")
        with pytest.raises(ValidationError):
            services.evidence_add(actor=people["county_bureau"], station=station_a, item="place", kind="photo", file=pdf_as_photo)
        assert not station_a.evidence.exists()

    def test_evidence_files_are_served_only_within_the_jurisdiction(self, people, station_a, client_for):
        photo = SimpleUploadedFile("signboard.png", PNG, content_type="image/png")
        evidence = services.evidence_add(actor=None, station=station_a, item="signboard", kind="photo", file=photo)
        assert evidence.file.name.endswith(".png") and "signboard" not in evidence.file.name  # generated name
        assert client_for(people["officer_a"]).get(f"/stations/evidence/{evidence.pk}/file/").status_code == 200
        assert client_for(people["officer_b"]).get(f"/stations/evidence/{evidence.pk}/file/").status_code == 404
        assert AuditEntry.objects.filter(action="station.evidence_view").count() == 1


class TestJurisdiction:
    def test_operator_manager_sees_only_its_stations(self, people, station_a, station_b):
        visible = set(Station.objects.visible_to(people["operator_manager"]))
        assert station_a in visible and station_b not in visible

    def test_township_officer_sees_only_its_township(self, people, station_a, station_b):
        assert set(Station.objects.visible_to(people["officer_a"])) == {station_a}
        assert set(Station.objects.visible_to(people["officer_b"])) == {station_b}

    def test_station_pages(self, people, station_a, station_b, client_for):
        officer = client_for(people["officer_a"])
        listing = officer.get("/stations/").content.decode()
        assert "海州街道社工站" in listing and "兴海街道社工站" not in listing
        assert officer.get(f"/stations/{station_a.pk}/").status_code == 200
        assert officer.get(f"/stations/{station_b.pk}/").status_code == 404
        assert officer.get(f"/stations/{station_a.pk}/edit/").status_code == 404  # may look, not change

    def test_station_form_offers_only_places_in_reach(self, people, client_for):
        form = client_for(people["county_bureau"]).get("/stations/new/").context["form"]
        assert all(r.code.startswith("210381") for r in form.fields["region"].queryset)
        assert client_for(people["worker_a"]).get("/stations/new/").status_code == 404

    def test_register_station_by_page(self, people, regions, operator, client_for):
        client = client_for(people["county_bureau"])
        response = client.post("/stations/new/", {
            "name": "海州街道社工站", "kind": "station", "region": regions["township_a"].code, "operator": operator.pk,
            "status": "operating", "venue_area": "45", "rooms": "个案工作室\n小组活动室", "equipment": "电脑 2 台",
        })
        station = Station.objects.get(name="海州街道社工站")
        assert response.status_code == 302 and station.rooms == ["个案工作室", "小组活动室"]

    def test_a_station_sits_at_a_township(self, people, regions):
        with pytest.raises(ValidationError):
            services.station_create(actor=people["county_bureau"], name="x", kind="station", region=regions["county"])


def test_coverage_of_the_county(people, regions, station_a, client_for):
    preset_apply(actor=None, preset="haicheng", region=regions["county"], valid_from=date(2024, 1, 1))
    result = selectors.coverage(actor=people["county_bureau"], region=regions["county"], on=TODAY)
    assert result.covered == 1 and len(result.townships) >= 20
    assert result.meets_target is False and result.target == "1"
    page = client_for(people["county_bureau"]).get("/stations/coverage/")
    assert page.status_code == 200 and "海州街道社工站" in page.content.decode()


class TestApi:
    def test_stations_api_is_scoped_and_reports_eight_haves(self, people, station_a, station_b, client_for):
        client = client_for(people["officer_a"])
        names = {s["name"] for s in client.get("/api/v1/stations/").json()["results"]}
        assert names == {"海州街道社工站"}
        assert client.get(f"/api/v1/stations/{station_b.pk}/").status_code == 404
        items = client.get(f"/api/v1/stations/{station_a.pk}/eight-haves/").json()
        assert len(items) == 8 and not any(i["met"] for i in items)

    def test_operator_manager_registers_nothing_but_bureau_does(self, people, regions, client_for):
        payload = {"name": "海城市新阳光社工", "credit_code": valid_code(11), "region": "210381"}
        assert client_for(people["operator_manager"]).post("/api/v1/operators/", payload, content_type="application/json").status_code == 403
        created = client_for(people["county_bureau"]).post("/api/v1/operators/", payload, content_type="application/json")
        assert created.status_code == 201 and created.json()["credit_code"] == valid_code(11)


def test_station_file_shows_missing_evidence_staffing_and_near_certificate_deadlines(people, regions, station_a, client_for):
    """Given a station with two workers, one due for the certificate within six months,
    when the county official opens the station file, then it lists the items without evidence,
    the staffing verdict with its policy source, and the worker whose deadline is near."""
    from django.utils import timezone

    from shegong.workforce.tests.factories import make_worker

    today = timezone.localdate()
    preset_apply(actor=None, preset="shanxi", region=regions["province"], valid_from=date(2020, 1, 1))
    near = today.replace(year=today.year - 3) + __import__("datetime").timedelta(days=60)  # deadline in ~2 months
    make_worker(station_a, name="刘晓红", start=near, took_post_on=near, certificate_level="none")
    make_worker(station_a, name="王海涛", start=date(2023, 1, 1), certificate_level="assistant")
    services.evidence_add(actor=None, station=station_a, item="rules", kind="note", note="制度上墙")
    page = client_for(people["county_bureau"]).get(f"/stations/{station_a.pk}/").content.decode()
    assert 'data-item="place" class="missing"' in page and 'data-item="rules" class="met"' in page
    assert "刘晓红" in page and "王海涛" in page
    staff = page.split('data-testid="station-staff"')[1]
    row = staff.split('data-worker="刘晓红"')[1].split("</tr>")[0]
    assert "bad" in row  # due soon is flagged
    assert "辽宁省" in staff  # the staffing verdict names its source profile
