"""The KPI engine on hand-built data whose answers are known.

Township A of 海城市 has a station with two workers; township B a station with one. Records of
2025 are written, the rollups are recounted, and the scorecards are read as a county official
would on 31 December 2025 — under the 海城市 profile, then under the Jiangsu one.
"""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from shegong.casework import models as cw
from shegong.monitoring import kpi, rollups
from shegong.monitoring.models import Tally
from shegong.monitoring.periods import Period
from shegong.recipients.models import CategoryMembership, Recipient, StatusChange
from shegong.recipients.tests.factories import make_household, make_recipient, village_of
from shegong.stations.models import Station
from shegong.workforce.models import StationAssignment
from shegong.workforce.tests.factories import make_session, make_station, make_worker

pytestmark = pytest.mark.django_db

YEAR = 2025
END = date(YEAR, 12, 31)
COUNTY = "210381"


def registered(person, day):
    Recipient.objects.filter(pk=person.pk).update(created_at=timezone.make_aware(datetime(day.year, day.month, day.day, 9)))


def visit(person, day, region=None):
    return cw.Visit.objects.create(region_id=region or person.region_id, recipient=person, visited_on=day,
                                   outcome=cw.VisitOutcome.values[0])


@pytest.fixture
def apply_preset(regions):
    from shegong.policies.services import preset_apply

    def apply(preset, region, valid_from=date(2024, 1, 1)):
        return preset_apply(actor=None, preset=preset, region=region, valid_from=valid_from)

    return apply


@pytest.fixture
def stations(regions, operator):
    a = make_station(regions["township_a"], operator, name="甲镇社工站")
    b = make_station(regions["township_b"], operator, name="乙镇社工站")
    Station.objects.filter(pk__in=[a.pk, b.pk]).update(status=Station.Status.OPERATING)
    return a, b


@pytest.fixture
def haicheng(apply_preset, regions):
    return apply_preset("haicheng", regions["county"])


@pytest.fixture
def jiangsu(apply_preset, regions):
    return apply_preset("jiangsu", regions["county"])


def card(code=COUNTY, period=None, today=END):
    rollups.rebuild(COUNTY, [YEAR])
    return kpi.scorecard(code, period or Period.year(YEAR), today=today)


def group_with(region, members: int, *, sessions=4, present=1.0):
    """A finished 2025 group with ``members`` people, ``sessions`` sessions and the share present."""
    group = cw.Group.objects.create(region_id=region, name=f"{members}人小组", goal="互助", starts_on=date(YEAR, 3, 1),
                                    ends_on=date(YEAR, 6, 30), status=cw.GroupStatus.FINISHED)
    people = [cw.GroupMember.objects.create(group=group, name=f"组员{i}", joined_on=date(YEAR, 3, 1)) for i in range(members)]
    for n in range(sessions):
        session = cw.GroupSession.objects.create(group=group, number=n + 1, held_on=date(YEAR, 4, 1 + 7 * n), topic="活动")
        for i, member in enumerate(people):
            cw.SessionAttendance.objects.create(session=session, member=member, present=i < round(members * present))
    return group


# --- Groups: a 5-member group does not count ----------------------------------------------------


def test_a_five_member_group_does_not_count_under_the_haicheng_profile(stations, haicheng, regions):
    village = village_of(regions["township_a"])
    group_with(village, 5)
    group_with(village, 6)
    group_with(village, 8, present=0.5)  # attendance below 60 %
    figure = card().figure("groups_valid")
    assert figure.actual == 1
    # 5 groups a year per station, two stations.
    assert figure.target == 10
    assert figure.status == "lagging"
    assert figure.drill.startswith("/casework/groups/?region=210381")


def test_the_same_groups_under_a_profile_without_group_rules(stations, jiangsu, regions):
    village = village_of(regions["township_a"])
    group_with(village, 5)
    group_with(village, 6)
    figure = card().figure("groups_valid")
    assert figure.actual == 2  # no member rule in the Jiangsu standard: both count
    assert figure.target is None and figure.status == "no_target"


def test_the_two_profiles_set_different_training_targets(stations, regions, operator, apply_preset):
    a, _b = stations
    worker = make_worker(a, name="甲一", start=date(2024, 1, 1))
    make_session(regions["township_a"], hours="30", on=date(YEAR, 5, 10), attendees=[worker])
    apply_preset("haicheng", regions["county"])
    first = card().figure("training")
    assert (first.actual, first.target, first.status) == (Decimal(30), Decimal(40), "lagging")
    apply_preset("jiangsu", regions["county"], valid_from=date(2025, 1, 1))  # a narrower, newer profile? same county
    second = kpi.scorecard(COUNTY, Period.year(YEAR), today=END).figure("training")
    assert second.target == Decimal(30) and second.status == "met"
    assert "Jiangsu" in second.source or "江苏" in second.source or second.source != first.source


# --- Home-visit coverage, overall and per category ----------------------------------------------


def test_visit_coverage_of_new_and_other_recipients_and_per_category(stations, haicheng, regions):
    village = village_of(regions["township_a"])
    old = [make_recipient(village, f"老户{i}", categories=("dibao",), on=date(2023, 1, 1)) for i in range(10)]
    for person in old:
        registered(person, date(2023, 1, 1))
    disabled = [make_recipient(village, f"残疾{i}", categories=("disabled",), on=date(2024, 1, 1)) for i in range(4)]
    for person in disabled:
        registered(person, date(2024, 6, 1))
    new = [make_recipient(village, f"新户{i}", categories=("tekun",), on=date(YEAR, 3, 1)) for i in range(5)]
    for person in new:
        registered(person, date(YEAR, 3, 1))
    # Visits: 3 of the 10 低保 people (one of them twice), 1 of the 4 disabled, 4 of the 5 new.
    for person in old[:3]:
        visit(person, date(YEAR, 2, 10))
    visit(old[0], date(YEAR, 8, 1))
    visit(disabled[0], date(YEAR, 9, 9))
    for person in new[:4]:
        visit(person, date(YEAR, 4, 2))
    # A visit of an earlier year does not count for 2025.
    visit(old[5], date(2024, 12, 30))
    # Someone who left before 2025 is not counted; someone who died in 2025 still is.
    gone = make_recipient(village, "已迁出", categories=("dibao",), status="moved", on=date(2023, 1, 1))
    registered(gone, date(2023, 1, 1))
    StatusChange.objects.create(recipient=gone, old_status="in_service", new_status="moved", changed_on=date(2024, 5, 1))
    died = make_recipient(village, "已故", categories=("dibao",), status="deceased", on=date(2023, 1, 1))
    registered(died, date(2023, 1, 1))
    StatusChange.objects.create(recipient=died, old_status="in_service", new_status="deceased", changed_on=date(YEAR, 7, 1))

    scorecard = card()
    others = scorecard.figure("visit_others")
    # 10 低保 + 4 disabled + the one who died in 2025 = 15 others; 3 + 1 visited.
    assert (others.numerator, others.denominator) == (Decimal(4), Decimal(15))
    assert others.actual == Decimal("26.7")
    assert others.target == Decimal("20.0") and others.status == "met"
    fresh = scorecard.figure("visit_new")
    assert (fresh.numerator, fresh.denominator, fresh.actual) == (Decimal(4), Decimal(5), Decimal("80.0"))
    assert fresh.status == "lagging"  # every new recipient is to be visited
    by_category = {row["category"]: row for row in scorecard.categories}
    assert (by_category["dibao"]["people"], by_category["dibao"]["visited"]) == ("11", "3")
    assert (by_category["disabled"]["people"], by_category["disabled"]["visited"], by_category["disabled"]["rate"]) == ("4", "1", "25.0")
    assert (by_category["tekun"]["people"], by_category["tekun"]["visited"]) == ("5", "4")


def test_a_household_visit_covers_its_members(stations, haicheng, regions):
    village = village_of(regions["township_a"])
    home = make_household(village, "王大")
    members = [make_recipient(village, n, household=home, on=date(2023, 1, 1)) for n in ("王大", "王二")]
    for person in members:
        registered(person, date(2023, 1, 1))
    cw.Visit.objects.create(region_id=village, household=home, visited_on=date(YEAR, 5, 5), outcome=cw.VisitOutcome.values[0])
    others = card().figure("visit_others")
    assert (others.numerator, others.denominator) == (Decimal(2), Decimal(2))


def test_coverage_is_year_to_date_at_the_end_of_the_period(stations, haicheng, regions):
    village = village_of(regions["township_a"])
    people = [make_recipient(village, f"户{i}", on=date(2023, 1, 1)) for i in range(4)]
    for person in people:
        registered(person, date(2023, 1, 1))
    visit(people[0], date(YEAR, 2, 1))
    visit(people[1], date(YEAR, 10, 20))
    march = card(period=Period.month(YEAR, 3), today=END).figure("visit_others")
    october = kpi.scorecard(COUNTY, Period.month(YEAR, 10), today=END).figure("visit_others")
    assert march.numerator == 1 and october.numerator == 2


# --- A worker who moved station mid-year ----------------------------------------------------------


def test_a_worker_who_moved_station_mid_year(stations, haicheng, regions):
    a, b = stations
    mover = make_worker(a, name="流动社工", start=date(2024, 1, 1), end=date(YEAR, 6, 30))
    StationAssignment.objects.create(worker=mover, station=b, start=date(YEAR, 7, 1))
    stayer = make_worker(a, name="常驻社工", start=date(2024, 1, 1))
    make_session(regions["county"], hours="16", on=date(YEAR, 3, 15), attendees=[mover, stayer])
    make_session(regions["county"], hours="10", on=date(YEAR, 9, 15), attendees=[mover, stayer])
    make_session(regions["county"], kind="supervision", hours="6", on=date(YEAR, 10, 1), attendees=[mover])

    scorecard = card()
    children = {c.code: c for c in scorecard.children}
    town_a, town_b = children[regions["township_a"].code], children[regions["township_b"].code]
    # Station A: both in March (32 h), only the stayer in September (10 h).
    assert town_a.figure("training").actual == Decimal(42)
    # Station B: the mover in September (10 h) and the supervision in October.
    assert town_b.figure("training").actual == Decimal(10)
    assert town_b.figure("supervision").actual == Decimal(6)
    assert town_a.figure("supervision").actual == Decimal(0)
    # The county counts every hour once.
    assert scorecard.figure("training").actual == Decimal(52)
    # Worker-months: A had two workers for six months and one for six; B one for six.
    staff = {
        unit: Tally.objects.filter(unit=unit, year=YEAR, metric="staff_months").values_list("value", flat=True)
        for unit in (town_a.code, town_b.code)
    }
    assert sum(staff[town_a.code]) == 18 and sum(staff[town_b.code]) == 6
    # The training target follows the workers: 40 h a year for 1.5 workers at A, 0.5 at B.
    assert town_a.figure("training").target == Decimal(60)
    assert town_b.figure("training").target == Decimal(20)
    # On post at the end of the year: one at each station.
    assert town_a.figure("staffing").actual == 1 and town_b.figure("staffing").actual == 1


# --- Counting, pacing, sums ---------------------------------------------------------------------


def test_activities_publicity_and_cases_against_paced_targets(stations, haicheng, regions, people):
    village = village_of(regions["township_a"])
    for month in (1, 2, 3):
        cw.Activity.objects.create(region_id=village, kind=cw.ActivityKind.ACTIVITY, title="社区活动", held_on=date(YEAR, month, 5),
                                   place="村委会", participant_count=20)
    cw.Activity.objects.create(region_id=village, kind=cw.ActivityKind.PUBLICITY, title="政策宣传", held_on=date(YEAR, 4, 5),
                               place="村委会", participant_count=50)
    person = make_recipient(village, "个案对象")
    for i in range(3):
        cw.Case.objects.create(number=f"C{i}", region_id=village, recipient=person, source="visit", opened_on=date(YEAR, 5, 1 + i),
                               problem="困难")
    half = kpi.scorecard(COUNTY, Period.half(YEAR, 1), today=date(YEAR, 3, 31)) if rollups.rebuild(COUNTY, [YEAR]) else None
    activities = half.figure("activities")
    # 5 a year per station, two stations, half a year: 5; a quarter of the half gone: 2.5 expected.
    assert activities.target == 5 and activities.actual == 3
    assert activities.expected == Decimal("2.5") and activities.status == "on_track"
    assert half.figure("publicity").actual == 1
    assert half.figure("cases").actual == 3
    assert half.figure("cases").target == 8  # 15 a year for the county, half a year, rounded
    assert half.series["activities"][:3] == [Decimal(1), Decimal(1), Decimal(1)]


def test_the_county_row_is_the_sum_of_its_townships_and_the_province_of_everything(stations, haicheng, regions):
    for township in ("township_a", "township_b"):
        village = village_of(regions[township])
        for _ in range(2 if township == "township_a" else 3):
            cw.Activity.objects.create(region_id=village, kind="activity", title="活动", held_on=date(YEAR, 6, 1), place="广场",
                                       participant_count=10)
    rollups.rebuild(COUNTY, [YEAR])
    value = {u: v for u, v in Tally.objects.filter(year=YEAR, month=6, metric="activities").values_list("unit", "value")}
    assert value[regions["township_a"].code] == 2 and value[regions["township_b"].code] == 3
    assert value[COUNTY] == value["2103"] == value["21"] == 5


def test_eight_haves_staffing_and_station_coverage(stations, haicheng, regions, operator):
    from shegong.stations.models import EightHaves, Evidence

    a, b = stations
    for item in EightHaves.values:
        Evidence.objects.create(station=a, item=item, kind="note", note="已具备")
    make_worker(a, name="甲一", start=date(2024, 1, 1), certificate_level="assistant")
    make_worker(a, name="甲二", start=date(2024, 1, 1))
    scorecard = card()
    eight = scorecard.figure("eight_haves")
    assert (eight.numerator, eight.denominator, eight.actual) == (Decimal(1), Decimal(2), Decimal("50.0"))
    certificates = scorecard.figure("certificates")
    assert (certificates.numerator, certificates.denominator) == (Decimal(1), Decimal(2))
    stations_figure = scorecard.figure("stations")
    from shegong.regions.models import Region

    townships = Region.objects.filter(code__startswith=COUNTY, level=4).count()
    assert stations_figure.numerator == 2 and stations_figure.denominator == townships


# --- Kept up to date as records change -------------------------------------------------------------


def test_a_visit_written_through_the_service_updates_the_figures_on_commit(
    stations, haicheng, regions, people, django_capture_on_commit_callbacks
):
    from shegong.casework.services_visits import record_visit

    village = village_of(regions["township_a"])
    today = timezone.localdate()
    # (Everything inside the block: a test captures only the callbacks registered within it.)
    with django_capture_on_commit_callbacks(execute=True):
        person = make_recipient(village, "李四")
        record_visit(people["worker_a"], recipient=person, visited_on=today, workers=[people["worker_a"]],
                     outcome=cw.VisitOutcome.values[0])
    township = regions["township_a"].code
    row = Tally.objects.get(unit=township, year=today.year, month=today.month, metric="visits")
    assert row.value == 1
    assert Tally.objects.get(unit=COUNTY, year=today.year, month=today.month, metric="visits").value == 1
    visit_row = cw.Visit.objects.get(recipient=person)
    with django_capture_on_commit_callbacks(execute=True):
        visit_row.delete()
    assert not Tally.objects.filter(unit=township, year=today.year, metric="visits").exists()
    assert not Tally.objects.filter(unit=COUNTY, year=today.year, metric="visits").exists()


def test_moving_a_record_to_another_year_recounts_both(stations, haicheng, regions, django_capture_on_commit_callbacks):
    village = village_of(regions["township_a"])
    with django_capture_on_commit_callbacks(execute=True):
        activity = cw.Activity.objects.create(region_id=village, kind="activity", title="活动", held_on=date(2024, 6, 1),
                                              place="广场", participant_count=10)
    assert Tally.objects.filter(year=2024, metric="activities", unit=COUNTY).get().value == 1
    with django_capture_on_commit_callbacks(execute=True):
        activity.held_on = date(YEAR, 2, 1)
        activity.save()
    assert not Tally.objects.filter(year=2024, metric="activities").exists()
    assert Tally.objects.get(year=YEAR, month=2, metric="activities", unit=COUNTY).value == 1


def test_rollups_equal_a_fresh_recount_after_edits(stations, haicheng, regions, django_capture_on_commit_callbacks):
    village = village_of(regions["township_a"])
    with django_capture_on_commit_callbacks(execute=True):
        people = [make_recipient(village, f"户{i}") for i in range(3)]
        for person in people:
            visit(person, date(YEAR, 5, 1))
        CategoryMembership.objects.filter(recipient=people[0]).update(category="disabled")
        people[1].delete()
    kept = {(t.unit, t.year, t.month, t.metric): t.value for t in Tally.objects.filter(level=9)}
    counted = {(u, YEAR, m, k): v for (u, m, k), v in rollups.count(regions["township_a"].code, YEAR).items()}
    # The category was changed with update() (no signal): only the category figures may differ.
    differing = {k for k in set(kept) | set(counted) if kept.get(k) != counted.get(k) and k[1] == YEAR}
    assert all(":" in k[3] for k in differing)
    rollups.rebuild(COUNTY, [YEAR])
    kept = {(t.unit, t.year, t.month, t.metric): t.value for t in Tally.objects.filter(level=9, year=YEAR)}
    assert kept == counted


# --- Periods ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "start", "end"), [
    ("2026", date(2026, 1, 1), date(2026, 12, 31)),
    ("2026-H2", date(2026, 7, 1), date(2026, 12, 31)),
    ("2026-Q1", date(2026, 1, 1), date(2026, 3, 31)),
    ("2026-02", date(2026, 2, 1), date(2026, 2, 28)),
    ("2025-11..2026-02", date(2025, 11, 1), date(2026, 2, 28)),
])
def test_periods_parse_and_print_back(text, start, end):
    period = Period.parse(text)
    assert (period.start, period.end) == (start, end)
    assert Period.parse(period.key) == period


@pytest.mark.parametrize("text", ["", "2026-13", "2026-Q5", "26", "2026-03..2025-01", "abc"])
def test_bad_periods_are_refused_in_both_languages(text):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        Period.parse(text)
