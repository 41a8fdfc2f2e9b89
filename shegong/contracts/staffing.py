"""The staffing obligation: staff on post within N working days of signing (seed 001).

Working days follow the State Council's holiday calendar: public holidays are not working days and
make-up working days (调休, often a weekend) are. The calendar comes from ``chinese_calendar``,
which knows only the years already announced.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar
from django.utils.translation import gettext as _

from shegong.policies.selectors import policy_for

KEY = "staff_on_post_working_days"


class CalendarNotCovered(Exception):
    """The holiday calendar does not cover a year the count needs."""

    def __init__(self, year: int):
        self.year = year
        super().__init__(
            f"{year}年的法定节假日和调休安排尚未收录，无法计算工作日。"
            f" The public holidays and make-up working days of {year} are not yet in the calendar: "
            "working days cannot be counted."
        )


def is_working_day(day: date) -> bool:
    """Whether ``day`` is a working day in mainland China (holidays off, make-up days on)."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        raise CalendarNotCovered(day.year) from None


def add_working_days(start: date, days: int) -> date:
    """The ``days``-th working day after ``start`` (``start`` itself is not counted)."""
    day, counted = start, 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


@dataclass(frozen=True)
class StaffDeadline:
    """The verdict on a contract's staffing deadline: a date, "no rule", or why it cannot be counted."""

    deadline: date | None
    working_days: int | None
    source: str = ""
    problem: str = ""

    @property
    def no_rule(self) -> bool:
        return self.working_days is None


def staff_deadline(contract) -> StaffDeadline:
    """The day by which ``contract``'s stations must have staff on post, under the policy in force
    for the purchaser's region on the day of signing."""
    policy = policy_for(contract.purchaser_region_id, contract.signed_on)
    if KEY not in policy:
        return StaffDeadline(None, None, problem=_("No rule: no policy profile in force sets this deadline."))
    days = int(policy[KEY])
    source = str(policy.source(KEY))
    try:
        return StaffDeadline(add_working_days(contract.signed_on, days), days, source=source)
    except CalendarNotCovered as exc:
        return StaffDeadline(None, days, source=source, problem=str(exc))
