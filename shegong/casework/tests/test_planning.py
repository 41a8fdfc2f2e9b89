"""Visit plans follow the profile's rules.

Given recipients in township A under a county profile (and sometimes a township profile),
when the planner runs,
then new recipients, follow-up levels and the yearly share of the others are planned as the
profile says, a visit that met the person closes the plan and plans the next one, and nothing
changes when it runs again.
"""

from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from shegong.casework import planning, services_visits
from shegong.casework.models import PlannedVisit, PlanReason, PlanStatus, VisitOutcome
from shegong.casework.tests.factories import make_case, make_visit
from shegong.policies.models import PolicyProfile, PolicyVersion
from shegong.recipients.models import StatusChange
from shegong.recipients.tests import factories as rf

pytestmark = pytest.mark.django_db

ON = date(2025, 6, 2)

RULES = {
    "visit_rate_new": "1", "visit_rate_others": "0.2", "visit_new_within_days": 15,
    "visit_every_days_high_risk": 7, "visit_every_days_key": 30,
}


def profile(region, values, *, valid_from=date(2024, 1, 1), name="规则"):
    prof = PolicyProfile.objects.filter(region=region).first() or PolicyProfile.objects.create(name=name, region=region)
    number = prof.versions.count() + 1
    PolicyVersion.objects.create(profile=prof, number=number, valid_from=valid_from, values=values)
    return prof


def person(village, name, *, level="general", status="in_service", registered=date(2024, 3, 1), **kw):
    r = rf.make_recipient(village, name, follow_up_level=level, status=status, **kw)
    StatusChange.objects.create(recipient=r, new_status="new", changed_on=registered, reason="登记")
    return r


@pytest.fixture
def village(regions):
    return rf.village_of(regions["township_a"])


@pytest.fixture
def county_rules(regions):
    return profile(regions["county"], RULES)


def open_plan(recipient):
    return PlannedVisit.objects.filter(recipient=recipient, status=PlanStatus.OPEN).first()


class TestRules:
    def test_a_new_recipient_is_due_within_the_profiles_days_of_registration(self, county_rules, village):
        newcomer = person(village, "新来的", status="new", registered=date(2025, 5, 20))
        summary = planning.plan_visits("210381", ON)
        plan = open_plan(newcomer)
        assert plan.reason == PlanReason.NEW
        assert plan.due_on == date(2025, 5, 20) + timedelta(days=15)
        assert summary.planned >= 1

    def test_without_a_days_value_the_new_recipient_is_due_on_registration(self, regions, village):
        profile(regions["county"], {"visit_rate_new": "1"})
        newcomer = person(village, "新来的", status="new", registered=date(2025, 5, 20))
        planning.plan_visits("210381", ON)
        assert open_plan(newcomer).due_on == date(2025, 5, 20)

    def test_a_zero_rate_for_new_recipients_plans_no_first_visit(self, regions, village):
        profile(regions["county"], {"visit_rate_new": "0"})
        newcomer = person(village, "新来的", status="new")
        planning.plan_visits("210381", ON)
        assert open_plan(newcomer) is None

    def test_levels_follow_their_interval_from_the_last_visit(self, county_rules, village, people):
        risky = person(village, "高风险", level="high_risk")
        key = person(village, "重点", level="key")
        never = person(village, "未走访", level="key")
        make_visit(risky, people["worker_a"], on=date(2025, 5, 30))
        make_visit(key, people["worker_a"], on=date(2025, 5, 10))
        make_visit(key, people["worker_a"], on=date(2025, 5, 25), outcome=VisitOutcome.ABSENT)  # not met
        planning.plan_visits("210381", ON)
        assert (open_plan(risky).reason, open_plan(risky).due_on) == (PlanReason.LEVEL, date(2025, 6, 6))
        assert open_plan(key).due_on == date(2025, 6, 9)
        assert open_plan(never).due_on == ON  # never met: due now

    def test_two_profiles_give_different_due_days(self, county_rules, regions, people, village):
        """A township profile overrides the county's interval for its own recipients only."""
        b_village = rf.village_of(regions["township_b"])
        in_a = person(village, "甲", level="key")
        in_b = person(b_village, "乙", level="key")
        profile(regions["township_b"], {"visit_every_days_key": 14}, name="乙镇规则")
        for who in (in_a, in_b):
            make_visit(who, None, on=date(2025, 5, 1))
        planning.plan_visits("210381", ON)
        assert open_plan(in_a).due_on == date(2025, 5, 31)
        assert open_plan(in_b).due_on == date(2025, 5, 15)

    def test_the_yearly_share_of_the_others_is_planned_longest_unvisited_first(self, county_rules, village, people):
        others = [person(village, f"一般{i}") for i in range(10)]
        make_visit(others[0], people["worker_a"], on=date(2023, 5, 1))
        make_visit(others[1], people["worker_a"], on=date(2024, 5, 1))
        planning.plan_visits("210381", ON)
        planned = PlannedVisit.objects.filter(status=PlanStatus.OPEN, reason=PlanReason.ANNUAL)
        assert planned.count() == 2  # ceil(0.2 × 10)
        # the eight never visited come before the two visited; the lowest ids among them
        assert {p.recipient_id for p in planned} == {others[2].pk, others[3].pk}
        assert all(p.due_on == date(2025, 12, 31) for p in planned)

    def test_people_visited_this_year_count_towards_the_share(self, county_rules, village, people):
        others = [person(village, f"一般{i}") for i in range(10)]
        make_visit(others[0], people["worker_a"], on=date(2025, 2, 1))
        planning.plan_visits("210381", ON)
        assert PlannedVisit.objects.filter(reason=PlanReason.ANNUAL).count() == 1

    def test_a_running_again_changes_nothing(self, county_rules, village, people):
        for i in range(10):
            person(village, f"一般{i}")
        person(village, "新", status="new")
        person(village, "高", level="high_risk")
        first = planning.plan_visits("210381", ON)
        before = list(PlannedVisit.objects.order_by("pk").values_list("pk", "recipient_id", "reason", "due_on", "status"))
        again = planning.plan_visits("210381", ON)
        after = list(PlannedVisit.objects.order_by("pk").values_list("pk", "recipient_id", "reason", "due_on", "status"))
        assert first.planned == 4 and again.as_dict() == {"planned": 0, "updated": 0, "closed": 0, "cancelled": 0}
        assert before == after

    def test_closed_moved_or_merged_people_get_their_plans_cancelled(self, county_rules, village):
        leaving = person(village, "将迁出", level="key")
        planning.plan_visits("210381", ON)
        assert open_plan(leaving) is not None
        leaving.status = "moved"
        leaving.save()
        summary = planning.plan_visits("210381", ON)
        assert summary.cancelled == 1
        assert open_plan(leaving) is None
        assert PlannedVisit.objects.get(recipient=leaving).status == PlanStatus.CANCELLED

    def test_a_raised_level_brings_the_visit_forward(self, county_rules, village, people):
        worried = person(village, "变化", level="key")
        make_visit(worried, people["worker_a"], on=date(2025, 5, 30))
        planning.plan_visits("210381", ON)
        assert open_plan(worried).due_on == date(2025, 6, 29)
        worried.follow_up_level = "high_risk"
        worried.save()
        assert planning.plan_visits("210381", ON).updated == 1
        assert open_plan(worried).due_on == date(2025, 6, 6)


class TestAssignment:
    def test_the_case_worker_then_the_last_visitor_is_assigned(self, county_rules, village, people, make_user, regions):
        other = make_user("worker", regions["township_a"], username="other_worker")
        with_case = person(village, "有个案", level="key")
        visited = person(village, "走访过", level="key")
        nobody = person(village, "无人", level="key")
        make_case(with_case, people["worker_a"])
        make_visit(with_case, other, on=date(2025, 5, 1))
        make_visit(visited, other, on=date(2025, 5, 1))
        planning.plan_visits("210381", ON)
        assert open_plan(with_case).assigned_to == people["worker_a"]
        assert open_plan(visited).assigned_to == other
        assert open_plan(nobody).assigned_to is None


class TestAfterAVisit:
    def record(self, user, recipient, outcome, on):
        return services_visits.record_visit(
            user, recipient=recipient, visited_on=on, workers=[user], outcome=outcome,
        )

    def test_a_visit_that_met_the_person_closes_the_plan_and_plans_the_next(self, county_rules, village, people):
        today = timezone.localdate()
        risky = person(village, "高风险", level="high_risk")
        planning.plan_visits("210381", today)
        plan = open_plan(risky)
        visit = self.record(people["worker_a"], risky, VisitOutcome.AT_HOME, today)
        plan.refresh_from_db()
        assert (plan.status, plan.visit) == (PlanStatus.DONE, visit)
        following = open_plan(risky)
        assert (following.reason, following.due_on) == (PlanReason.LEVEL, today + timedelta(days=7))
        assert following.assigned_to == people["worker_a"]

    def test_nobody_home_keeps_the_plan_open(self, county_rules, village, people):
        today = timezone.localdate()
        risky = person(village, "高风险", level="high_risk")
        planning.plan_visits("210381", today)
        plan = open_plan(risky)
        self.record(people["worker_a"], risky, VisitOutcome.ABSENT, today)
        self.record(people["worker_a"], risky, VisitOutcome.VACANT, today)
        assert open_plan(risky) == plan

    def test_a_visit_written_elsewhere_is_found_by_the_planner(self, county_rules, village, people):
        risky = person(village, "高风险", level="high_risk")
        planning.plan_visits("210381", ON)
        make_visit(risky, people["worker_a"], on=ON)
        summary = planning.plan_visits("210381", ON)
        assert summary.closed == 1 and summary.planned == 1
        assert open_plan(risky).due_on == ON + timedelta(days=7)


class TestCommandAndTask:
    def test_the_command_plans_and_reports(self, county_rules, village, capsys):
        person(village, "新", status="new")
        call_command("plan_visits", "--region", "210381", "--on", ON.isoformat())
        assert "planned 1" in capsys.readouterr().out
        assert PlannedVisit.objects.count() == 1

    def test_the_task_runs_the_planner(self, county_rules, village):
        from shegong.casework.tasks import plan_visits

        person(village, "新", status="new")
        assert plan_visits.call("210381", ON.isoformat())["planned"] == 1
