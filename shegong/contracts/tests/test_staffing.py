"""The staffing deadline: N working days after signing, on China's holiday calendar."""

from datetime import date

import pytest

from shegong.contracts.staffing import CalendarNotCovered, add_working_days, staff_deadline

pytestmark = pytest.mark.django_db


def test_deadline_skips_national_day_and_counts_make_up_days(haicheng, make_contract):
    # Given a contract signed on Friday 2025-09-26 under the haicheng rules (15 working days),
    contract = make_contract(signed_on=date(2025, 9, 26))
    # when the deadline is counted,
    verdict = staff_deadline(contract)
    # then, by the 2025 calendar (National Day + Mid-Autumn off 10-01..10-08; make-up working
    # days Sunday 09-28 and Saturday 10-11), the working days after signing are:
    #  1 09-28 (Sun, make-up)   2 09-29   3 09-30   [10-01..10-08 holiday]
    #  4 10-09   5 10-10   6 10-11 (Sat, make-up)   [10-12 Sun]
    #  7 10-13   8 10-14   9 10-15  10 10-16  11 10-17   [10-18, 10-19 weekend]
    # 12 10-20  13 10-21  14 10-22  15 10-23
    assert verdict.working_days == 15
    assert verdict.deadline == date(2025, 10, 23)
    assert haicheng.profile.name in verdict.source


def test_plain_weekday_count_would_differ():
    # Without the make-up days the 2nd working day after 09-26 would be 09-30, not 09-29.
    assert add_working_days(date(2025, 9, 26), 2) == date(2025, 9, 29)
    assert add_working_days(date(2025, 9, 30), 1) == date(2025, 10, 9)


def test_no_rule_when_the_profile_sets_no_deadline(regions, make_contract):
    # Given no policy profile at all, the verdict is "no rule", not a guess.
    verdict = staff_deadline(make_contract())
    assert verdict.no_rule and verdict.deadline is None
    assert verdict.problem


def test_year_outside_the_calendar_gives_a_clear_message(haicheng, make_contract):
    contract = make_contract(
        cycle_start=date(2099, 1, 1), period_start=date(2099, 1, 1), period_end=date(2099, 12, 31),
        signed_on=date(2099, 1, 5), instalments=[],
    )
    verdict = staff_deadline(contract)
    assert verdict.deadline is None and verdict.working_days == 15
    assert "2099" in verdict.problem and "尚未收录" in verdict.problem and "not yet in the calendar" in verdict.problem
    with pytest.raises(CalendarNotCovered):
        add_working_days(date(2099, 1, 5), 1)


def test_stations_staffed_by_the_deadline(haicheng, make_contract, operator, stations):
    from shegong.contracts.selectors import stations_staffed_by
    from shegong.workforce.models import SocialWorker, StationAssignment

    contract = make_contract()
    worker = SocialWorker.objects.create(
        employer=operator, name="李四", sex="female", birth_date=date(1995, 3, 1), education="bachelor",
        took_post_on=date(2025, 10, 20),
    )
    StationAssignment.objects.create(worker=worker, station=stations["a"], start=date(2025, 10, 20))
    verdict = stations_staffed_by(contract, date(2025, 10, 23))
    assert verdict == {stations["a"].pk: True, stations["b"].pk: False}
    assert stations_staffed_by(contract, date(2025, 10, 19))[stations["a"].pk] is False
