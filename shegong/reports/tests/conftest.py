"""Fixtures of the report tests: the 海城市 programme of 2025 — rules, two operating stations of the
operator, its contract for the year — and helpers that add records and recount the rollups.

Township A's station and township B's station both belong to the operator and are covered by its
contract; the county bureau reviews the operator's monthly reports, the city bureau the county's
quarterly reports.
"""

from __future__ import annotations

from datetime import date

import pytest

YEAR = 2025
COUNTY = "210381"
TODAY = (2025, 11, 20, 10, 0)  # the tests live in late November 2025: October's report is due


@pytest.fixture(autouse=True)
def _november_2025():
    """Every report test runs on 20 November 2025 (Asia/Shanghai), so that "last month" is October
    2025 whatever the day the suite runs."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    import time_machine

    with time_machine.travel(datetime(*TODAY, tzinfo=ZoneInfo("Asia/Shanghai")), tick=True):
        yield


@pytest.fixture
def programme(regions, operator, people):
    from shegong.contracts import services as contracts
    from shegong.policies.services import preset_apply
    from shegong.stations.models import Station

    preset_apply(actor=None, preset="shanxi", region=regions["province"], valid_from=date(2020, 1, 1))
    preset_apply(actor=None, preset="haicheng", region=regions["county"], valid_from=date(2020, 1, 1))
    stations = [
        Station.objects.create(name=f"{regions[t].name}社会工作服务站", region=regions[t], operator=operator,
                               status=Station.Status.OPERATING)
        for t in ("township_a", "township_b")
    ]
    contract = contracts.contract_create(
        actor=None, number="HC-2025-001", purchaser_region=regions["county"], purchaser_name="海城市民政局",
        operator=operator, stations=stations, cycle_start=date(YEAR, 1, 1), period_start=date(YEAR, 1, 1),
        period_end=date(YEAR, 12, 31), signed_on=date(YEAR, 1, 6), amount="600000", status="active",
    )
    return {"stations": stations, "contract": contract, "regions": regions, "people": people, "operator": operator}


@pytest.fixture
def add_activities(regions):
    """Add ``n`` community activities (or publicity events) in township A on ``day`` and recount."""
    from shegong.casework.models import ActivityKind
    from shegong.casework.tests.factories import make_activity
    from shegong.monitoring import rollups
    from shegong.recipients.tests.factories import village_of

    village = village_of(regions["township_a"])

    def add(n, day=date(YEAR, 10, 11), *, kind=ActivityKind.ACTIVITY, title="重阳节敬老活动"):
        for i in range(n):
            make_activity(village, kind=kind, title=f"{title}{i}", held_on=day)
        rollups.rebuild(COUNTY, [day.year])

    return add


@pytest.fixture
def october():
    from shegong.monitoring.periods import Period

    return Period.month(YEAR, 10)


@pytest.fixture
def monthly(programme, october):
    """The operator manager's October report, started with its text written."""
    from shegong.reports import services

    manager = programme["people"]["operator_manager"]
    report = services.create_report(actor=manager, period=october, contract=programme["contract"])
    return services.update_narrative(
        actor=manager, report=report, expected_version=report.version,
        summary="十月，两个社工站开展重阳节敬老活动。", highlights="链接志愿者 20 人次。",
        problems="培训时长不足。", next_steps="十一月补足培训。",
    )


@pytest.fixture
def other_county(regions):
    """A second county of 鞍山市 (the shipped slice holds only 海城市)."""
    from shegong.regions.models import Level, Region

    return Region.objects.get_or_create(code="210302", defaults={"name": "铁东区", "level": Level.COUNTY,
                                                                   "parent": regions["city"]})[0]
