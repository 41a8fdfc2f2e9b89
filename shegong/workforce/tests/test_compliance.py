"""Workforce rules on hand-built cases with known answers, under two profiles each."""

from datetime import date
from decimal import Decimal

import pytest

from shegong.policies.selectors import policy_for, policy_from_versions
from shegong.workforce import compliance
from shegong.workforce.compliance import DUE_SOON, FAIL, NO_DATA, NO_RULE, NOT_APPLICABLE, OK, OVERDUE
from shegong.workforce.models import LocalAverageWage

from .factories import make_session, make_station, make_worker

pytestmark = pytest.mark.django_db
END_2024 = date(2024, 12, 31)


def year_2024(worker, **kwargs):
    return compliance.worker_year(worker, 2024, today=END_2024, **kwargs)


class TestTrainingAndSupervisionHours:
    def test_35_training_hours_fail_haicheng_and_pass_jiangsu(self, regions, operator, apply_preset):
        # given a worker with 35 training hours in each township, haicheng in A and jiangsu in B
        haicheng = apply_preset("haicheng", regions["township_a"])
        jiangsu = apply_preset("jiangsu", regions["township_b"])
        in_a = make_worker(make_station(regions["township_a"], operator), name="甲")
        in_b = make_worker(make_station(regions["township_b"], operator), name="乙")
        make_session(regions["county"], hours="20", attendees=[in_a, in_b])
        make_session(regions["county"], hours="15", attendees=[in_a, in_b], on=date(2024, 9, 1))
        make_session(regions["county"], hours="50", attendees=[in_a, in_b], on=date(2023, 9, 1))  # another year
        # when the rules are applied for 2024
        a, b = year_2024(in_a).verdict("training"), year_2024(in_b).verdict("training")
        # then haicheng's 40 hours fail and jiangsu's 30 pass, each naming its profile
        assert (a.status, a.actual, a.required) == (FAIL, Decimal("35"), Decimal("40"))
        assert (b.status, b.actual, b.required) == (OK, Decimal("35"), Decimal("30"))
        assert (a.source.version_id, a.source.number) == (haicheng.pk, 1)
        assert (b.source.version_id, b.source.profile_name) == (jiangsu.pk, jiangsu.profile.name)

    def test_supervision_hours_against_haicheng_and_no_rule_in_jiangsu(self, regions, operator, apply_preset):
        apply_preset("haicheng", regions["township_a"])
        apply_preset("jiangsu", regions["township_b"])
        in_a = make_worker(make_station(regions["township_a"], operator), name="甲")
        in_b = make_worker(make_station(regions["township_b"], operator), name="乙")
        make_session(regions["county"], kind="supervision", hours="20", attendees=[in_a, in_b])
        assert year_2024(in_a).verdict("supervision").status == FAIL
        # jiangsu sets no supervision hours: "no rule", neither pass nor fail
        verdict = year_2024(in_b).verdict("supervision")
        assert verdict.status == NO_RULE and verdict.passed is None


class TestStaffing:
    def test_two_workers_pass_shanxi_and_fail_hainan(self, regions, operator, apply_preset):
        apply_preset("shanxi", regions["township_a"])
        apply_preset("hainan", regions["township_b"])
        a, b = make_station(regions["township_a"], operator), make_station(regions["township_b"], operator)
        for station in (a, b):
            make_worker(station, name="一")
            make_worker(station, name="二")
            make_worker(station, name="已离岗", start=date(2023, 1, 1), end=date(2024, 3, 31))
        on = date(2024, 6, 1)
        shanxi = compliance.station_staffing(a, on).verdicts[0]
        hainan = compliance.station_staffing(b, on).verdicts[0]
        assert (shanxi.status, shanxi.actual, shanxi.required) == (OK, 2, 2)
        assert (hainan.status, hainan.actual, hainan.required) == (FAIL, 2, 3)
        assert compliance.station_staffing(a, date(2024, 3, 1)).workers == 3  # the leaver still counted then

    def test_small_township_of_30000_with_two_professionals_fails_jiangsu(self, regions, operator, apply_preset):
        apply_preset("jiangsu", regions["township_a"])
        apply_preset("haicheng", regions["township_b"])
        for region in (regions["township_a"], regions["township_b"]):
            station = make_station(region, operator, population=30000)
            make_worker(station, name="持证", certificate_level="assistant", certificate_date=date(2023, 6, 1))
            make_worker(station, name="社工专业", is_social_work_major=True)
            make_worker(station, name="非专业")
            result = compliance.station_staffing(station, date(2024, 6, 1))
            small = result.verdicts[1]
            assert result.professionals == 2
            if region == regions["township_a"]:
                assert (small.status, small.actual, small.required) == (FAIL, 2, 3)
            else:
                assert small.status == NO_RULE

    def test_large_township_is_not_held_to_the_small_township_rule(self, regions, operator, apply_preset):
        apply_preset("jiangsu", regions["township_a"])
        station = make_station(regions["township_a"], operator, population=60000)
        make_worker(station)
        assert compliance.station_staffing(station, date(2024, 6, 1)).verdicts[1].status == NOT_APPLICABLE
        station.township_population = None
        assert compliance.station_staffing(station, date(2024, 6, 1)).verdicts[1].status == NO_DATA


class TestCertificateDeadline:
    def test_deadline_five_months_away_is_due_soon(self, regions, operator, apply_preset):
        shanxi = apply_preset("shanxi", regions["township_a"])  # 3 years, warn 6 months before
        policy = policy_for(regions["township_a"].code, date(2024, 6, 1))
        verdict = compliance.certificate_verdict(
            certified=False, took_post_on=date(2021, 11, 1), today=date(2024, 6, 1), policy=policy
        )
        assert verdict.status == DUE_SOON and verdict.due == date(2024, 11, 1)
        assert verdict.source.version_id == shanxi.pk

    @pytest.mark.parametrize(
        "took, certified, expected",
        [
            (date(2022, 3, 1), False, OK),  # deadline 2025-03-01, nine months away
            (date(2021, 5, 1), False, OVERDUE),
            (date(2021, 6, 1), False, OVERDUE),  # the deadline day itself
            (date(2021, 5, 1), True, NOT_APPLICABLE),
        ],
    )
    def test_other_cases(self, took, certified, expected, regions, apply_preset):
        apply_preset("shanxi", regions["township_a"])
        policy = policy_for(regions["township_a"].code, date(2024, 6, 1))
        verdict = compliance.certificate_verdict(certified=certified, took_post_on=took, today=date(2024, 6, 1), policy=policy)
        assert verdict.status == expected

    def test_no_rule_under_a_profile_without_a_deadline(self, regions, operator, apply_preset):
        apply_preset("haicheng", regions["township_a"])
        worker = make_worker(make_station(regions["township_a"], operator), took_post_on=date(2015, 1, 1))
        assert year_2024(worker).verdict("certificate").status == NO_RULE


class TestHiring:
    def test_age_and_education_under_shanxi_and_no_rule_under_jiangsu(self, regions, operator, apply_preset):
        apply_preset("shanxi", regions["township_a"])
        apply_preset("jiangsu", regions["township_b"])
        kwargs = {"birth_date": date(1977, 6, 1), "took_post_on": date(2023, 6, 2), "education": "vocational"}
        in_a = make_worker(make_station(regions["township_a"], operator), **kwargs)
        in_b = make_worker(make_station(regions["township_b"], operator), **kwargs)
        a = year_2024(in_a)
        assert (a.verdict("hire_age").status, a.verdict("hire_age").actual) == (FAIL, 46)
        assert a.verdict("hire_education").status == FAIL
        b = year_2024(in_b)
        assert b.verdict("hire_age").status == NO_RULE and b.verdict("hire_education").status == NO_RULE

    def test_45_with_college_passes(self, regions, operator, apply_preset):
        apply_preset("shanxi", regions["township_a"])
        worker = make_worker(
            make_station(regions["township_a"], operator),
            birth_date=date(1978, 6, 2), took_post_on=date(2023, 6, 1), education="college",
        )
        result = year_2024(worker)
        assert result.verdict("hire_age").status == OK and result.verdict("hire_education").status == OK


class TestPay:
    def test_pay_against_the_county_average_under_jiangsu(self, regions, operator, apply_preset):
        apply_preset("jiangsu", regions["township_a"])
        apply_preset("haicheng", regions["township_b"])
        LocalAverageWage.objects.create(region=regions["county"], year=2024, monthly_amount=Decimal("4500"))
        low = make_worker(make_station(regions["township_a"], operator), monthly_salary=Decimal("4000"))
        verdict = year_2024(low).verdict("pay")
        assert (verdict.status, verdict.actual, verdict.required) == (FAIL, Decimal("4000"), Decimal("4500"))
        low.monthly_salary = Decimal("4500")
        assert year_2024(low).verdict("pay").status == OK
        # the township's own figure wins over the county's
        LocalAverageWage.objects.create(region=regions["township_a"], year=2024, monthly_amount=Decimal("4600"))
        assert year_2024(low).verdict("pay").status == FAIL
        in_b = make_worker(make_station(regions["township_b"], operator), monthly_salary=Decimal("100"))
        assert year_2024(in_b).verdict("pay").status == NO_RULE

    def test_missing_wage_is_no_data(self, regions, operator, apply_preset):
        apply_preset("jiangsu", regions["township_a"])
        worker = make_worker(make_station(regions["township_a"], operator), monthly_salary=Decimal("4000"))
        assert year_2024(worker).verdict("pay").status == NO_DATA


def test_a_later_policy_version_does_not_change_a_figure_computed_under_the_old_one(regions, operator, apply_preset):
    # given a 2024 training verdict computed under haicheng, and the versions it recorded
    apply_preset("haicheng", regions["township_a"])
    worker = make_worker(make_station(regions["township_a"], operator))
    make_session(regions["county"], hours="35", attendees=[worker])
    first = year_2024(worker)
    stored_versions = first.version_ids
    assert first.verdict("training").status == FAIL
    # when the township later adopts jiangsu's numbers as a new version
    apply_preset("jiangsu", regions["township_a"])
    assert year_2024(worker).verdict("training").status == OK  # today's rules
    # then recomputing under the stored versions gives the same figure as before
    again = year_2024(worker, policy=policy_from_versions(regions["township_a"].code, END_2024, stored_versions))
    assert again.verdict("training") == first.verdict("training")
    assert again.version_ids == stored_versions


def test_no_profile_at_all_is_no_rule_everywhere(regions, operator):
    worker = make_worker(make_station(regions["township_a"], operator))
    assert {v.status for v in year_2024(worker).verdicts} <= {NO_RULE}
