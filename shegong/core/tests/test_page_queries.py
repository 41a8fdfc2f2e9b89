"""Every list and detail page, and every list and read endpoint of the API, costs a fixed number
of queries: the same for 2 rows as for 10, and exactly the number pinned below.

Given a page's data at two sizes (2 rows, then 8 more; for a detail page its object with 2 then
10 children of each kind it shows), when the user who sees them opens the page, then it answers
200, shows the rows added last, and costs the same number of queries both times, equal to
``PINNED[name]``. A new query on a page fails here: update the pin when it is wanted (the failure
message gives the measured number).

``INVENTORY`` classifies every URL name of the project, as ``test_scoping.py`` does: a list or a
detail page names the tests that pin its query count; anything else says why it is no page. A
new URL fails ``test_every_url_is_classified`` until it is classified here.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cached_property

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from knox.models import AuthToken

from shegong.accounts.models import RoleAssignment, User
from shegong.casework import services_cases as svc
from shegong.casework.attachments import owner_region
from shegong.casework.models import (
    ActivityParticipant,
    ActivityVolunteer,
    Approval,
    CasePlan,
    CaseRecord,
    CaseStage,
    CaseTransfer,
    GroupMember,
    GroupSession,
    PlannedVisit,
    PlanReason,
    ServiceDomain,
    ServiceItem,
    SessionAttendance,
    StageChange,
)
from shegong.casework.models import Attachment as RecordAttachment
from shegong.casework.tests.factories import make_activity, make_case, make_catalogue, make_group, make_visit
from shegong.conftest import make_credit_code
from shegong.contracts.models import Contract, KpiTarget
from shegong.core import audit
from shegong.policies.models import PolicyProfile, PolicyVersion
from shegong.policies.presets import PRESETS
from shegong.recipients import services as recipient_services
from shegong.recipients.models import Attachment as FileAttachment
from shegong.recipients.models import (
    CategoryMembership,
    DuplicateCandidate,
    ImportBatch,
    NeedItem,
    Referral,
    StatusChange,
)
from shegong.recipients.tests.factories import id_for, make_assessment, make_household, make_recipient, make_resource
from shegong.regions.models import Region
from shegong.stations.models import Disclosure, EightHaves, Evidence, Operator, Station
from shegong.workforce.models import Attendance, LocalAverageWage, StationAssignment, Volunteer, VolunteerService
from shegong.workforce.tests.factories import make_session, make_worker

pytestmark = pytest.mark.django_db

LIST, DETAIL, NOT_A_PAGE = "list", "detail", "not a page"
HERE = "here"  # pinned by test_page_costs_the_same_for_few_or_many below
FEW, MANY = 2, 10
PDF = b"%PDF-1.4\n"


# ---- The data of the pages -------------------------------------------------------------------


class World:
    """The objects the pages show, each made on first use, and helpers that add numbered rows."""

    def __init__(self, people, regions, operator):
        self.people, self.regions, self.operator = people, regions, operator

    def __getitem__(self, who):
        return self.people[who]

    @cached_property
    def township(self):
        return self.regions["township_a"]

    @cached_property
    def villages(self) -> list[str]:
        return list(Region.objects.filter(parent=self.township).order_by("code").values_list("code", flat=True))

    @cached_property
    def village(self) -> str:
        return self.villages[0]

    @cached_property
    def profile(self):
        """The county's rules (the haicheng preset) with a small service catalogue."""
        profile = PolicyProfile.objects.create(name="海城市规则", region=self.regions["county"], preset="haicheng")
        PolicyVersion.objects.create(profile=profile, number=1, valid_from=date(2024, 1, 1), values=PRESETS["haicheng"]["values"])
        make_catalogue(profile)
        return profile

    def with_rules(self):
        """Make sure the county's rules and catalogue exist: records read the catalogue in force."""
        return self.profile

    @cached_property
    def items(self):
        return list(ServiceItem.objects.filter(domain__profile=self.profile).order_by("pk"))

    @cached_property
    def domain(self):
        return self.items[0].domain

    def item(self, i):
        return ServiceItem.objects.create(domain=self.domain, code=f"Z{i}", name=f"项目标记{i}", position=10 + i)

    @cached_property
    def station(self):
        return Station.objects.create(name="甲镇主站", region=self.township, operator=self.operator, status="operating")

    def new_station(self, i, **fields):
        fields = {"region": self.township, "operator": self.operator, "status": "operating", **fields}
        station = Station.objects.create(name=f"站点标记{i}", **fields)
        Evidence.objects.create(station=station, item="rules", kind="note", note="制度上墙")
        return station

    def new_worker(self, i, station=None):
        return make_worker(station or self.station, name=f"社工标记{i}")

    def new_session(self, i, attendees=()):
        return make_session(self.township, operator=self.operator, topic=f"培训标记{i}", attendees=attendees)

    @cached_property
    def worker(self):
        return self.new_worker("主")

    @cached_property
    def session(self):
        return self.new_session("主")

    @cached_property
    def wage(self):
        return LocalAverageWage.objects.create(region=self.township, year=1999, monthly_amount="5000", source="来源标记主")

    @cached_property
    def volunteer(self):
        return Volunteer.objects.create(name="刘志愿", station=self.station, joined_on=date(2025, 1, 1))

    def new_contract(self, i, **fields):
        return Contract.objects.create(
            number=f"HC-标记{i}", purchaser_region=self.regions["county"], purchaser_name="海城市民政局", operator=self.operator,
            cycle_start=date(2025, 1, 1), period_start=date(2025, 1, 1), period_end=date(2025, 12, 31),
            signed_on=date(2025, 1, 1), amount="100000", **fields,
        )

    @cached_property
    def contract(self):
        contract = self.new_contract("主", status="active")
        contract.stations.add(self.station)
        return contract

    # People and their records (township A's first village).

    @cached_property
    def household(self):
        return make_household(self.village, head_name="王主户")

    @cached_property
    def person(self):
        return make_recipient(self.village, "王主档", id_number=id_for(date(1950, 1, 1), 11), phone="13800000000",
                              household=self.household, status="in_service")

    def new_person(self, name, **fields):
        return make_recipient(self.village, name, **fields)

    def new_household(self, i):
        return make_household(self.village, head_name=f"户主标记{i}")

    @cached_property
    def resource(self):
        return make_resource(self.village, name="爱心志愿服务队")

    @cached_property
    def assessment(self):
        return make_assessment(self.household, on=timezone.localdate() - timedelta(days=30), needs=())

    def recipient_attachment(self, person, title):
        return FileAttachment.objects.create(recipient=person, title=title, file=ContentFile(PDF, name="a.pdf"),
                                         content_type="application/pdf", size=len(PDF), uploaded_by=self["worker_a"])

    def record_attachment(self, owner, title):
        """A document of a casework record (no thumbnail, so the page shows its title)."""

        return RecordAttachment.objects.create(
            region_id=owner_region(owner), owner_type=ContentType.objects.get_for_model(owner), owner_id=owner.pk,
            kind="document", title=title, file=ContentFile(PDF, name="a.pdf"), content_type="application/pdf",
            size=len(PDF), uploaded_by=self["worker_a"],
        )

    def referral(self, person, agency, source=None, **fields):
        return Referral.objects.create(recipient=person, agency=agency, reason="转介", referred_on=date(2025, 3, 2),
                                       source=source, created_by=self["worker_a"], **fields)

    @cached_property
    def visit(self):
        self.with_rules()
        return make_visit(self.person, self["worker_a"], on=date(2025, 3, 1), findings="主走访")

    def new_case(self, person, number, **fields):
        fields = {"stage": CaseStage.INTERVENTION, "opened_on": date(2025, 3, 1), **fields}
        return make_case(person, self["worker_a"], supervisor=self["supervisor"], number=number, **fields)

    @cached_property
    def case(self):
        self.with_rules()
        return self.new_case(self.person, "CASE-主")

    @cached_property
    def plan_approval(self):
        self.case.stage = "assessment"
        self.case.save()
        svc.submit_plan(self["worker_a"], self.case, goals="主目标", actions="上门", timetable="三个月",
                                   review_on=date(2025, 6, 1))
        return svc.pending_approval(self.case)

    def new_group(self, name):
        self.with_rules()
        group = make_group(self.village, self["worker_a"], name=name, starts_on=date(2025, 3, 3))
        group.items.add(self.items[0])
        return group

    @cached_property
    def group(self):
        return self.new_group("主小组")

    def member(self, group, name):
        return GroupMember.objects.create(group=group, recipient=self.new_person(name), joined_on=date(2025, 3, 3))

    def group_session(self, group, topic, present=()):
        number = group.sessions.count() + 1
        session = GroupSession.objects.create(group=group, number=number, held_on=date(2025, 3, 3) + timedelta(days=7 * number),
                                              topic=topic)
        SessionAttendance.objects.bulk_create([SessionAttendance(session=session, member=m, present=True) for m in present])
        return session

    @cached_property
    def group_session_main(self):
        return self.group_session(self.group, "主活动课", present=[self.member(self.group, "组员主")])

    def new_activity(self, title):
        self.with_rules()
        activity = make_activity(self.village, self["worker_a"], title=title)
        activity.items.add(self.items[0])
        return activity

    @cached_property
    def activity(self):
        return self.new_activity("主活动")

    def participant(self, activity, name):
        return ActivityParticipant.objects.create(activity=activity, recipient=self.new_person(name))

    def activity_volunteer(self, activity, name):
        volunteer = Volunteer.objects.create(name=name, station=self.station, joined_on=date(2025, 1, 1))
        return ActivityVolunteer.objects.create(activity=activity, volunteer=volunteer, hours="2.0")

    def colleague(self, i):
        """Another social worker of township A."""
        user = User.objects.create(username=f"colleague{i}", name=f"同行标记{i}")
        RoleAssignment.objects.create(user=user, role="worker", region=self.township, operator=self.operator)
        return user

    def planned(self, person, *, due_on=None, assigned_to=None, **fields):
        return PlannedVisit.objects.create(region_id=person.region_id, recipient=person, reason=PlanReason.NEW,
                                           due_on=due_on or timezone.localdate(), assigned_to=assigned_to, **fields)

    @cached_property
    def duplicate(self):
        twin = self.new_person("王主档", household=self.household)
        return DuplicateCandidate.objects.create(first=self.person, second=twin, region_id=self.village, reason="same_name_birth")

    @cached_property
    def import_batch(self):
        return ImportBatch.objects.create(region=self.township, original_name="主名单.xlsx", uploaded_by=self["officer_a"],
                                          file=ContentFile(b"x", name="x.xlsx"), summary={"errors": 0})

    @cached_property
    def audit_row(self):
        return audit.record("test.event", region_code=self.township.code, object_repr="主审计行", detail={"k": "v"})

    @cached_property
    def reader(self):
        """A signed-in user holding no role: the region browser lists the provinces."""
        return User.objects.create(username="reader", name="读者")


# ---- What each page shows, and how to add to it -------------------------------------------


@dataclass(frozen=True)
class Page:
    name: str  # the URL name
    who: str  # the user who opens it (a key of the people fixture, or "reader")
    url: Callable[[World], str]
    add: Callable[[World, int], object]  # adds row (or child of each kind) number i
    marks: Callable[[World, int, object], Iterable[str]]  # what the page shows once row i (``add``'s answer) is added
    json: bool = False
    # The page caches what it computes (the dashboards): measure the computation, from an empty cache.
    uncached: bool = False

    def __str__(self):
        return self.name


def mark(*templates: str):
    return lambda w, i, row: [t.format(i=i) for t in templates]


def fixed(*texts: str):
    """The marks of a page whose children do not show by name: its own object."""
    return lambda w, i, row: list(texts)


def json_ids(key: str, pks) -> str:
    """How a list of ids shows in the answer, in the order given: ``"workers": [3, 7]``."""
    return json.dumps({key: list(pks)})[1:-1]


def village_name(w, i):
    return Region.objects.get(code=w.villages[i + 1]).name


def nothing(w, i):
    """A page with no children: rows elsewhere must not change its cost."""
    audit.record("test.event", region_code=w.township.code, object_repr=f"别处{i}")


# Audit, users, regions.


def add_audit(w, i):
    audit.record("test.event", region_code=w.township.code, object_repr=f"审计标记{i}")


def add_user(w, i):
    user = User.objects.create(username=f"user_mark_{i}", name=f"用户标记{i}")
    RoleAssignment.objects.create(user=user, role="worker", region=w.township, operator=w.operator)


def add_assignment(w, i):
    """worker_a's role in one more village, and a line of its audit trail."""
    user = w["worker_a"]
    RoleAssignment.objects.create(user=user, role="worker", region_id=w.villages[i + 1], operator=w.operator)
    audit.record("user.update", obj=user, detail={"n": i})


def add_own_assignment(w, i):
    add_assignment(w, i)
    AuthToken.objects.create(user=w["worker_a"])


def add_province(w, i):
    Region.objects.create(code=f"9{i}", name=f"省份标记{i}", level=1)


def add_township(w, i):
    Region.objects.create(code=f"2103819{i:02d}", name=f"乡镇标记{i}", level=4, parent=w.regions["county"])


# Stations, operators, policies, workforce, contracts.


def add_operator(w, i):
    Operator.objects.create(name=f"机构标记{i}", credit_code=make_credit_code(100 + i), region=w.regions["county"])


def add_to_station(w, i):
    """Evidence, a worker on post, a volunteer and a contract covering the station."""
    station = w.station
    Evidence.objects.create(station=station, item=EightHaves.values[i % len(EightHaves.values)], kind="note",
                            note=f"证据标记{i}")
    w.new_worker(i, station)
    Volunteer.objects.create(name=f"志愿者标记{i}", station=station, joined_on=date(2025, 1, 1))
    w.new_contract(i, status="active").stations.add(station)


def add_to_operator(w, i):
    w.new_station(i, operator=w.operator)
    Disclosure.objects.create(operator=w.operator, kind="basic", title=f"公示标记{i}", published_on=date(2025, 1, 1))


def add_profile(w, i):
    PolicyProfile.objects.create(name=f"规则标记{i}", region_id=w.villages[i])


def add_version(w, i):
    PolicyVersion.objects.create(profile=w.profile, number=i + 2, valid_from=date(2025, 1, 1) + timedelta(days=i),
                                 values={"group_min_members": 6 + i}, note=f"版本标记{i}")


def add_worker(w, i):
    w.new_worker(i)


def add_to_worker(w, i):
    """One more posting (at a station of its own) and one more training attended."""
    StationAssignment.objects.create(worker=w.worker, station=w.new_station(i), start=date(2020, 1, 1) + timedelta(days=i),
                                     end=date(2020, 1, 1) + timedelta(days=i))
    w.new_session(i, attendees=[w.worker])


def add_session(w, i):
    w.new_session(i, attendees=[w.new_worker(i)])


def add_attendee(w, i):
    Attendance.objects.create(session=w.session, worker=w.new_worker(i), hours=Decimal("8"))


def add_volunteer(w, i):
    volunteer = Volunteer.objects.create(name=f"志愿者标记{i}", station=w.new_station(i), joined_on=date(2025, 1, 1))
    VolunteerService.objects.create(volunteer=volunteer, date=date(2025, 5, 1), hours=Decimal("2"))


def add_volunteer_service(w, i):
    VolunteerService.objects.create(volunteer=w.volunteer, date=date(2025, 5, 1) + timedelta(days=i), hours=Decimal("2"),
                                    activity=f"服务标记{i}")


def add_wage(w, i):
    LocalAverageWage.objects.create(region=w.township, year=2000 + i, monthly_amount="5000", source=f"来源标记{i}")


def add_contract(w, i):
    contract = w.new_contract(i)
    contract.stations.add(w.new_station(i))
    contract.instalments.create(due_on=date(2025, 6, 30), amount="50000")
    contract.payments.create(paid_on=date(2025, 6, 30), amount="50000")


def add_to_contract(w, i):
    contract = w.contract
    station = w.new_station(i)
    contract.stations.add(station)
    w.new_worker(i, station)
    contract.instalments.create(due_on=date(2025, 6, 1) + timedelta(days=i), amount="1000")
    contract.payments.create(paid_on=date(2025, 6, 1) + timedelta(days=i), amount="1000", note=f"付款标记{i}")
    keys = [c for c, _label in KpiTarget._meta.get_field("key").choices]
    if i < len(keys):
        KpiTarget.objects.create(contract=contract, key=keys[i], value=str(10 + i))


# Recipients.


def add_recipient(w, i):
    household = w.new_household(i)
    person = w.new_person(f"对象标记{i}", id_number=id_for(date(1940, 1, 1) + timedelta(days=i), 9),
                          categories=("dibao", "disabled"), household=household, phone="13800000000")
    recipient_services.add_to_timeline(person, "note", "登记")
    return person


def add_to_file(w, i):
    """Everything the recipient file shows, one more of each: a relative, a line of the timeline,
    a status change, a category, an attachment, a visit, a case, a need and a referral."""
    person = w.person
    w.new_person(f"家人标记{i}", household=w.household)
    recipient_services.add_to_timeline(person, "note", f"记录标记{i}")
    StatusChange.objects.create(recipient=person, new_status="in_service", changed_on=date(2025, 2, 1), reason=f"状态标记{i}",
                                changed_by=w["worker_a"])
    CategoryMembership.objects.create(recipient=person, category="disabled", started_on=date(2020, 1, 1) + timedelta(days=i),
                                      ended_on=date(2020, 1, 2) + timedelta(days=i))
    w.recipient_attachment(person, f"附件标记{i}")
    make_visit(person, w["worker_a"], on=date(2025, 3, 1) + timedelta(days=i), findings=f"走访标记{i}")
    w.new_case(person, f"CASE-{i}")
    need = NeedItem.objects.create(assessment=w.assessment, domain="health", description=f"需要标记{i}", recipient=person)
    w.referral(person, f"机构标记{i}", need=need)


def add_household(w, i):
    household = w.new_household(i)
    w.new_person(f"户员标记{i}", household=household)


def add_household_member(w, i):
    w.new_person(f"家人标记{i}", household=w.household, categories=("dibao", "disabled"))
    make_assessment(w.household, on=date(2020, 1, 1) + timedelta(days=i), needs=(("health", f"需要标记{i}"),))


def add_batch(w, i):
    ImportBatch.objects.create(region=w.township, original_name=f"名单标记{i}.xlsx", uploaded_by=w["officer_a"],
                               file=ContentFile(b"x", name="x.xlsx"), summary={"errors": i % 2})


def add_assessment(w, i):
    return make_assessment(w.household, on=date(2001, 1, 1) + timedelta(days=i), needs=(("health", f"需要标记{i}"), ("care", "照料")))


def add_due_household(w, i):
    household = w.new_household(i)
    w.new_person(f"户员标记{i}", household=household, status="in_service")
    today = timezone.localdate()
    make_assessment(household, on=today - timedelta(days=400 + i))
    make_assessment(household, on=today - timedelta(days=800 + i))


def add_need_to_assessment(w, i):
    need = NeedItem.objects.create(assessment=w.assessment, domain="care", description=f"需要标记{i}", recipient=w.person)
    w.referral(w.person, f"机构标记{i}", need=need)
    w.referral(w.person, "", need=need, resource=w.resource)


def add_need(w, i):
    household = w.new_household(i)
    person = w.new_person(f"户员标记{i}", household=household)
    NeedItem.objects.create(assessment=make_assessment(household, needs=()), domain="health", description=f"需要标记{i}",
                            recipient=person)


def add_resource(w, i):
    make_resource(w.village, name=f"资源标记{i}")


def add_resource_referral(w, i):
    w.referral(w.new_person(f"转介标记{i}"), "", resource=w.resource)


def add_referral(w, i):
    w.referral(w.new_person(f"转介标记{i}"), f"机构标记{i}", resource=None)


def add_duplicate(w, i):
    first = w.new_person(f"重名标记{i}", birth_date=date(1950, 1, 1))
    second = w.new_person(f"重名标记{i}", birth_date=date(1950, 1, 1))
    DuplicateCandidate.objects.create(first=first, second=second, region_id=w.village, reason="same_name_birth")


def add_to_pair(w, i):
    candidate = w.duplicate
    for person in (candidate.first, candidate.second):
        recipient_services.add_to_timeline(person, "note", f"记录{i}")
        recipient_services.change_status(w["worker_a"], person, "in_service" if i % 2 == 0 else "new")
    w.new_person(f"家人标记{i}", household=w.household)
    w.referral(candidate.second, f"机构标记{i}")


def add_search_hit(w, i):
    w.new_person(f"搜索标记{i}")


# Casework.


def add_visit(w, i):
    """A visit of worker_a with a colleague who is new to the filter's choice of workers."""
    household = w.new_household(i)
    person = w.new_person(f"走访对象标记{i}", household=household)
    visit = make_visit(person, w["worker_a"], on=date(2025, 3, 1) + timedelta(days=i))
    visit.workers.add(w.colleague(i))
    visit.items.add(*w.items)


def add_to_visit(w, i):
    """A companion, an item, a referral of the visit, a document, and a plan the visit closed."""
    visit = w.visit
    visit.workers.add(w.colleague(i))
    visit.items.add(w.item(i))
    w.referral(w.person, f"机构标记{i}", source=visit)
    w.record_attachment(visit, f"附件标记{i}")
    w.planned(w.new_person(f"计划标记{i}"), visit=visit, status="done")


def add_due(w, i):
    person = w.new_person(f"待访标记{i}", status="new")
    w.planned(person, due_on=timezone.localdate() - timedelta(days=i % 3), assigned_to=w["worker_a"])
    unassigned = w.new_person(f"未分派标记{i}", status="new")
    w.planned(unassigned, due_on=timezone.localdate() + timedelta(days=1))


def add_plan(w, i):
    """A planned visit, every other one assigned to a worker new to the filter's choices."""
    person = w.new_person(f"计划标记{i}", status="new")
    w.planned(person, due_on=timezone.localdate() + timedelta(days=i), assigned_to=w.colleague(i) if i % 2 else None)


def add_case(w, i):
    case = w.new_case(w.new_person(f"个案对象标记{i}"), f"X-{i:04d}")
    case.items.add(w.items[0])
    CaseRecord.objects.create(case=case, occurred_on=date(2025, 3, 2), content="上门")


def add_to_case(w, i):
    """A record (with an item), a confidential note, a stage change, a plan with its decision,
    a transfer and an item of the case."""
    case = w.case
    record = svc.add_record(w["worker_a"], case, occurred_on=date(2025, 3, 2) + timedelta(days=i), content=f"记录标记{i}")
    record.items.add(w.items[0])
    svc.add_note(w["worker_a"], case, text=f"机密标记{i}")
    StageChange.objects.create(case=case, old_stage="intervention", new_stage="intervention", note=f"阶段标记{i}",
                               changed_by=w["worker_a"])
    plan = CasePlan.objects.create(case=case, number=i + 1, goals=f"目标标记{i}", actions="上门", timetable="每周",
                                   written_by=w["worker_a"])
    Approval.objects.create(case=case, plan=plan, subject="plan", status="approved", requested_by=w["worker_a"],
                            decided_by=w["supervisor"], decided_at=timezone.now(), comment=f"批示标记{i}")
    CaseTransfer.objects.create(case=case, from_region_id=w.village, to_region_id=w.villages[1], reason=f"转移标记{i}",
                                from_worker=w["worker_a"], to_worker=w["worker_a"], transferred_by=w["station_lead"])
    case.items.add(w.item(i))


def add_approval(w, i):
    """A pending approval and one the supervisor decided, on cases they supervise."""
    for state in ("pending", "approved"):
        case = w.new_case(w.new_person(f"审批对象标记{i}{state}"), f"A-{i}-{state}")
        plan = CasePlan.objects.create(case=case, number=1, goals="目标", actions="上门", timetable="每周", written_by=w["worker_a"])
        Approval.objects.create(case=case, plan=plan, subject="plan", status=state, requested_by=w["worker_a"],
                                decided_by=w["supervisor"] if state == "approved" else None,
                                decided_at=timezone.now() if state == "approved" else None)


def add_to_approval(w, i):
    svc.add_note(w["worker_a"], w.plan_approval.case, text=f"机密{i}")


def add_group(w, i):
    group = w.new_group(f"小组标记{i}")
    members = [w.member(group, f"组员{i}-{n}") for n in range(3)]
    w.group_session(group, "第一次", present=members)
    w.group_session(group, "第二次", present=members[:2])


def add_to_group(w, i):
    member = w.member(w.group, f"组员标记{i}")
    w.group_session(w.group, f"主题标记{i}", present=[member, *w.group.members.exclude(pk=member.pk)[:2]])
    w.group.items.add(w.item(i))


def add_to_group_session(w, i):
    session = w.group_session_main
    SessionAttendance.objects.create(session=session, member=w.member(w.group, f"组员标记{i}"), present=i % 2 == 0)
    w.record_attachment(session, f"附件标记{i}")


def add_activity(w, i):
    activity = w.new_activity(f"活动标记{i}")
    w.participant(activity, f"参与{i}")
    w.activity_volunteer(activity, f"志愿{i}")


def add_to_activity(w, i):
    activity = w.activity
    w.participant(activity, f"参与标记{i}")
    w.activity_volunteer(activity, f"志愿标记{i}")
    activity.items.add(w.item(i))
    w.record_attachment(activity, f"附件标记{i}")


def add_catalogue_item(w, i):
    domain = ServiceDomain.objects.create(profile=w.profile, code=f"D{i}", name=f"领域标记{i}", kind="must", position=10 + i)
    ServiceItem.objects.create(domain=domain, code=f"D{i}-1", name=f"条目标记{i}", position=0)
    w.item(i)


def add_cw_attachment(w, i):
    w.record_attachment(w.visit, f"附件标记{i}")


def add_cw_referral(w, i):
    w.referral(w.new_person(f"转介标记{i}"), f"机构标记{i}", source=w.visit)


def add_case_note(w, i):
    svc.add_note(w["worker_a"], w.case, text=f"机密标记{i}")


def add_case_record(w, i):
    svc.add_record(w["worker_a"], w.case, occurred_on=date(2025, 3, 2) + timedelta(days=i), content=f"记录标记{i}").items.add(
        *w.items)


def add_case_plan(w, i):
    case = w.new_case(w.new_person(f"计划对象{i}"), f"P-{i}")
    plan = CasePlan.objects.create(case=case, number=1, goals=f"目标标记{i}", actions="上门", timetable="每周", written_by=w["worker_a"])
    for status in ("returned", "approved"):
        Approval.objects.create(case=case, plan=plan, subject="plan", status=status, requested_by=w["worker_a"],
                                decided_by=w["supervisor"], decided_at=timezone.now(), comment=f"批示标记{i}")


def add_plan_approval(w, i):
    Approval.objects.create(case=w.case, plan=w.plan_approval.plan, subject="plan", status="returned",
                            requested_by=w["worker_a"], decided_by=w["supervisor"], decided_at=timezone.now(),
                            comment=f"批示标记{i}")


def add_group_member(w, i):
    w.member(w.group, f"组员标记{i}")


def add_group_session(w, i):
    w.group_session(w.group, f"主题标记{i}", present=[w.member(w.group, f"组员{i}")])


def add_attendance(w, i):
    SessionAttendance.objects.create(session=w.group_session_main, member=w.member(w.group, f"组员标记{i}"), present=True)


def add_to_eight_haves(w, i):
    for item in EightHaves.values:
        Evidence.objects.create(station=w.station, item=item, kind="note", note=f"证据{i}")


# Monitoring: KPI figures and the to-do list (monitoring/api.py, views_todo.py).


def add_kpi_place(w, i):
    """A township of the county with an operating station: one more child place of the county."""
    township = Region.objects.create(code=f"2103819{i:02d}", name=f"乡镇标记{i}", level=4, parent=w.regions["county"])
    w.new_station(i, region=township)


def add_renewal(w, i):
    """A contract in force whose period has ended with its renewal undecided: one more thing to do."""
    w.new_contract(i, status="active").stations.add(w.station)


# ---- The pages ---------------------------------------------------------------------------------


def api(path: str) -> str:
    return f"/api/v1/{path}"


PAGES: list[Page] = [
    # Home, audit, accounts, regions
    Page("core:home", "county_bureau", lambda w: "/", add_audit, mark("审计标记{i}")),
    Page("core:audit_list", "county_bureau", lambda w: "/audit/", add_audit, mark("审计标记{i}")),
    Page("core:audit_detail", "county_bureau", lambda w: f"/audit/{w.audit_row.pk}/", nothing, fixed("主审计行")),
    Page("accounts:user_list", "county_bureau", lambda w: "/accounts/users/", add_user, mark("user_mark_{i}")),
    Page("accounts:user_detail", "county_bureau", lambda w: f"/accounts/users/{w['worker_a'].pk}/", add_assignment,
         lambda w, i, row: [village_name(w, i)]),
    Page("accounts:profile", "worker_a", lambda w: "/accounts/profile/", add_own_assignment,
         lambda w, i, row: [village_name(w, i)]),
    Page("regions:browse", "reader", lambda w: "/regions/", add_province, mark("省份标记{i}")),
    Page("regions:detail", "county_bureau", lambda w: "/regions/210381/", add_township, mark("乡镇标记{i}")),
    # Stations, operators, policies
    Page("stations:station_list", "county_bureau", lambda w: "/stations/", lambda w, i: w.new_station(i), mark("站点标记{i}")),
    Page("stations:coverage", "county_bureau", lambda w: "/stations/coverage/", lambda w, i: w.new_station(i), mark("站点标记{i}")),
    Page("stations:station_detail", "county_bureau", lambda w: f"/stations/{w.station.pk}/", add_to_station,
         mark("社工标记{i}", "HC-标记{i}")),
    Page("stations:operator_list", "county_bureau", lambda w: "/stations/operators/", add_operator, mark("机构标记{i}")),
    Page("stations:operator_detail", "county_bureau", lambda w: f"/stations/operators/{w.operator.pk}/", add_to_operator,
         mark("站点标记{i}", "公示标记{i}")),
    Page("policies:in_force", "county_bureau", lambda w: "/policies/", add_profile, mark("规则标记{i}")),
    Page("policies:profile_detail", "county_bureau", lambda w: f"/policies/profiles/{w.profile.pk}/", add_version,
         mark("版本标记{i}")),
    # Workforce
    Page("workforce:worker_list", "county_bureau", lambda w: "/workforce/workers/", add_worker, mark("社工标记{i}")),
    Page("workforce:worker_detail", "county_bureau", lambda w: f"/workforce/workers/{w.worker.pk}/", add_to_worker,
         mark("站点标记{i}", "培训标记{i}")),
    Page("workforce:session_list", "county_bureau", lambda w: "/workforce/sessions/", add_session, mark("培训标记{i}")),
    Page("workforce:session_detail", "county_bureau", lambda w: f"/workforce/sessions/{w.session.pk}/", add_attendee,
         mark("社工标记{i}")),
    Page("workforce:volunteer_list", "county_bureau", lambda w: "/workforce/volunteers/", add_volunteer, mark("志愿者标记{i}")),
    Page("workforce:volunteer_detail", "county_bureau", lambda w: f"/workforce/volunteers/{w.volunteer.pk}/",
         add_volunteer_service, mark("服务标记{i}")),
    Page("workforce:wage_list", "county_bureau", lambda w: "/workforce/wages/", add_wage, mark("来源标记{i}")),
    # Contracts
    Page("contracts:contract_list", "county_bureau", lambda w: "/contracts/", add_contract, mark("HC-标记{i}")),
    Page("contracts:contract_detail", "county_bureau", lambda w: f"/contracts/{w.contract.pk}/", add_to_contract,
         mark("站点标记{i}", "付款标记{i}")),
    # Recipients
    Page("recipients:recipient_list", "officer_a", lambda w: "/recipients/", add_recipient, mark("对象标记{i}")),
    Page("recipients:recipient_detail", "worker_a", lambda w: f"/recipients/{w.person.pk}/", add_to_file,
         mark("家人标记{i}", "记录标记{i}", "附件标记{i}", "CASE-{i}", "需要标记{i}", "机构标记{i}")),
    Page("recipients:recipient_print", "worker_a", lambda w: f"/recipients/{w.person.pk}/print/", add_to_file,
         mark("家人标记{i}", "记录标记{i}")),
    Page("recipients:household_list", "officer_a", lambda w: "/recipients/households/", add_household, mark("户主标记{i}")),
    Page("recipients:household_options", "worker_a", lambda w: f"/recipients/households/options/?village={w.village}",
         add_household, mark("户主标记{i}")),
    Page("recipients:household_detail", "worker_a", lambda w: f"/recipients/households/{w.household.pk}/",
         add_household_member, mark("家人标记{i}")),
    Page("recipients:household_assessments", "officer_a",
         lambda w: f"/recipients/households/{w.household.pk}/assessments/", add_assessment, lambda w, i, row: [f"{row.assessed_on:%Y-%m-%d}"]),
    Page("recipients:import_list", "officer_a", lambda w: "/recipients/imports/", add_batch, mark("名单标记{i}.xlsx")),
    Page("recipients:import_detail", "officer_a", lambda w: f"/recipients/imports/{w.import_batch.pk}/", nothing,
         fixed("主名单.xlsx")),
    Page("recipients:assessments_due", "officer_a", lambda w: "/recipients/assessments/due/", add_due_household,
         mark("户主标记{i}")),
    Page("recipients:assessment_detail", "worker_a", lambda w: f"/recipients/assessments/{w.assessment.pk}/",
         add_need_to_assessment, mark("需要标记{i}", "机构标记{i}")),
    Page("recipients:needs_list", "officer_a", lambda w: "/recipients/needs/", add_need, mark("需要标记{i}")),
    Page("recipients:resource_list", "worker_a", lambda w: "/recipients/resources/", add_resource, mark("资源标记{i}")),
    Page("recipients:resource_detail", "worker_a", lambda w: f"/recipients/resources/{w.resource.pk}/",
         add_resource_referral, mark("转介标记{i}")),
    Page("recipients:referral_update", "worker_a",
         lambda w: f"/recipients/referrals/{w.referral(w.person, '主机构', need=None).pk}/", nothing, fixed("主机构")),
    Page("recipients:duplicate_list", "officer_a", lambda w: "/recipients/duplicates/", add_duplicate, mark("重名标记{i}")),
    Page("recipients:duplicate_detail", "officer_a", lambda w: f"/recipients/duplicates/{w.duplicate.pk}/", add_to_pair,
         fixed("王主档")),
    # Casework: visits
    Page("casework:visit_list", "worker_a", lambda w: "/casework/visits/", add_visit, mark("走访对象标记{i}")),
    Page("casework:visit_due", "worker_a", lambda w: "/casework/visits/due/", add_due, mark("待访标记{i}", "未分派标记{i}")),
    Page("casework:plan_list", "station_lead", lambda w: "/casework/visits/plans/", add_plan, mark("计划标记{i}")),
    Page("casework:visit_detail", "worker_a", lambda w: f"/casework/visits/{w.visit.pk}/", add_to_visit,
         mark("同行标记{i}", "项目标记{i}", "机构标记{i}", "附件标记{i}")),
    # Casework: cases
    Page("casework:case_list", "worker_a", lambda w: "/casework/cases/", add_case, mark("个案对象标记{i}")),
    Page("casework:case_detail", "worker_a", lambda w: f"/casework/cases/{w.case.pk}/", add_to_case,
         mark("记录标记{i}", "机密标记{i}", "目标标记{i}", "转移标记{i}", "项目标记{i}")),
    Page("casework:approval_list", "supervisor", lambda w: "/casework/approvals/", add_approval,
         mark("审批对象标记{i}pending", "A-{i}-pending", "A-{i}-approved")),
    Page("casework:approval_decide", "supervisor", lambda w: f"/casework/approvals/{w.plan_approval.pk}/", add_to_approval,
         fixed("主目标")),
    # Casework: groups, activities, catalogue
    Page("casework:group_list", "worker_a", lambda w: "/casework/groups/", add_group, mark("小组标记{i}")),
    Page("casework:group_detail", "worker_a", lambda w: f"/casework/groups/{w.group.pk}/", add_to_group,
         mark("组员标记{i}", "主题标记{i}")),
    Page("casework:person_search", "worker_a", lambda w: "/casework/groups/people/?q=搜索标记", add_search_hit,
         mark("搜索标记{i}")),
    Page("casework:session_detail", "worker_a", lambda w: f"/casework/sessions/{w.group_session_main.pk}/",
         add_to_group_session, mark("组员标记{i}", "附件标记{i}")),
    Page("casework:activity_list", "worker_a", lambda w: "/casework/activities/", add_activity, mark("活动标记{i}")),
    Page("casework:activity_detail", "worker_a", lambda w: f"/casework/activities/{w.activity.pk}/", add_to_activity,
         mark("参与标记{i}", "志愿标记{i}", "项目标记{i}", "附件标记{i}")),
    Page("casework:catalogue", "worker_a", lambda w: "/casework/catalogue/", add_catalogue_item,
         mark("领域标记{i}", "条目标记{i}", "项目标记{i}")),
    Page("casework:catalogue_edit", "county_bureau", lambda w: f"/casework/catalogue/profiles/{w.profile.pk}/",
         add_catalogue_item, mark("领域标记{i}", "条目标记{i}", "项目标记{i}")),
    # Monitoring: the dashboards (a county with one more township each time; the operator manager's
    # townships; a contract's scorecard)
    Page("monitoring:dashboard", "county_bureau", lambda w: "/monitoring/210381/?period=2025", add_kpi_place,
         mark("乡镇标记{i}"), uncached=True),
    Page("monitoring:home", "operator_manager", lambda w: "/monitoring/?period=2025", add_kpi_place, mark("乡镇标记{i}")),
    Page("monitoring:contract", "county_bureau", lambda w: f"/monitoring/contracts/{w.contract.pk}/", add_to_contract,
         fixed("HC-标记主"), uncached=True),
    # Monitoring: the to-do list and the summary the home page loads
    Page("monitoring:todo", "county_bureau", lambda w: "/monitoring/todo/", add_renewal, mark("HC-标记{i}")),
    Page("monitoring:todo_summary", "county_bureau", lambda w: "/monitoring/todo/summary/", add_renewal,
         lambda w, i, row: [f'#todo-contracts"><strong class="bad-figure">{i + 1}</strong>']),
    # ---- The API ----
    Page("v1:region-list", "county_bureau", lambda w: api("regions/?parent=210381"), add_township, mark("乡镇标记{i}"), json=True),
    Page("v1:region-detail", "county_bureau", lambda w: api("regions/210381/"), add_township, fixed("海城市"), json=True),
    Page("v1:user-list", "county_bureau", lambda w: api("users/"), add_user, mark("user_mark_{i}"), json=True),
    Page("v1:user-detail", "county_bureau", lambda w: api(f"users/{w['worker_a'].pk}/"), add_assignment,
         lambda w, i, row: [f'"region": "{w.villages[i + 1]}"'], json=True),
    Page("v1:me", "worker_a", lambda w: api("me/"), add_assignment, lambda w, i, row: [f'"region": "{w.villages[i + 1]}"'],
         json=True),
    Page("v1:audit-list", "county_bureau", lambda w: api("audit/"), add_audit, mark("审计标记{i}"), json=True),
    Page("v1:audit-detail", "county_bureau", lambda w: api(f"audit/{w.audit_row.pk}/"), nothing, fixed("主审计行"), json=True),
    Page("v1:operator-list", "county_bureau", lambda w: api("operators/"), add_operator, mark("机构标记{i}"), json=True),
    Page("v1:operator-detail", "county_bureau", lambda w: api(f"operators/{w.operator.pk}/"), add_to_operator,
         fixed("海城市阳光社会工作服务中心"), json=True),
    Page("v1:station-list", "county_bureau", lambda w: api("stations/"), lambda w, i: w.new_station(i), mark("站点标记{i}"),
         json=True),
    Page("v1:station-detail", "county_bureau", lambda w: api(f"stations/{w.station.pk}/"), add_to_station, fixed("甲镇主站"),
         json=True),
    Page("v1:station-eight-haves", "county_bureau", lambda w: api(f"stations/{w.station.pk}/eight-haves/"), add_to_eight_haves,
         lambda w, i, row: [f'"evidence_count": {i + 1}'], json=True),
    Page("v1:worker-list", "county_bureau", lambda w: api("workers/"), add_worker, mark("社工标记{i}"), json=True),
    Page("v1:worker-detail", "county_bureau", lambda w: api(f"workers/{w.worker.pk}/"), add_to_worker, mark("站点标记{i}"),
         json=True),
    Page("v1:session-list", "county_bureau", lambda w: api("sessions/"), add_session, mark("培训标记{i}"), json=True),
    Page("v1:session-detail", "county_bureau", lambda w: api(f"sessions/{w.session.pk}/"), add_attendee,
         lambda w, i, row: [json_ids("attendees", w.session.attendance.values_list("worker_id", flat=True))], json=True),
    Page("v1:volunteer-list", "county_bureau", lambda w: api("volunteers/"), add_volunteer, mark("志愿者标记{i}"), json=True),
    Page("v1:volunteer-detail", "county_bureau", lambda w: api(f"volunteers/{w.volunteer.pk}/"), add_volunteer_service,
         fixed("刘志愿"), json=True),
    Page("v1:wage-list", "county_bureau", lambda w: api("wages/"), add_wage, mark("来源标记{i}"), json=True),
    Page("v1:wage-detail", "county_bureau", lambda w: api(f"wages/{w.wage.pk}/"), nothing, fixed("来源标记主"), json=True),
    Page("v1:contract-list", "county_bureau", lambda w: api("contracts/"), add_contract, mark("HC-标记{i}"), json=True),
    Page("v1:contract-detail", "county_bureau", lambda w: api(f"contracts/{w.contract.pk}/"), add_to_contract,
         mark("付款标记{i}"), json=True),
    Page("v1:recipient-list", "officer_a", lambda w: api("recipients/"), add_recipient, mark("对象标记{i}"), json=True),
    Page("v1:recipient-detail", "officer_a", lambda w: api(f"recipients/{w.person.pk}/"), add_to_file, fixed("王主档"), json=True),
    Page("v1:recipient-timeline", "officer_a", lambda w: api(f"recipients/{w.person.pk}/timeline/"), add_to_file,
         mark("记录标记{i}"), json=True),
    Page("v1:recipient-categories", "officer_a", lambda w: api(f"recipients/{w.person.pk}/categories/"), add_to_file,
         fixed("disabled"), json=True),
    Page("v1:recipient-attachments", "officer_a", lambda w: api(f"recipients/{w.person.pk}/attachments/"), add_to_file,
         mark("附件标记{i}"), json=True),
    Page("v1:attachment-detail", "officer_a", lambda w: api(f"attachments/{w.recipient_attachment(w.person, '主附件').pk}/"),
         nothing, fixed("主附件"), json=True),
    Page("v1:household-list", "officer_a", lambda w: api("households/"), add_household, mark("户主标记{i}"), json=True),
    Page("v1:household-detail", "officer_a", lambda w: api(f"households/{w.household.pk}/"), add_household_member,
         lambda w, i, row: [json_ids("members", w.household.members.order_by("pk").values_list("pk", flat=True))], json=True),
    Page("v1:assessment-list", "officer_a", lambda w: api("assessments/"), add_need, mark("需要标记{i}"), json=True),
    Page("v1:assessment-detail", "officer_a", lambda w: api(f"assessments/{w.assessment.pk}/"), add_need_to_assessment,
         mark("需要标记{i}"), json=True),
    Page("v1:need-list", "officer_a", lambda w: api("needs/"), add_need, mark("需要标记{i}"), json=True),
    Page("v1:resource-list", "officer_a", lambda w: api("resources/"), add_resource, mark("资源标记{i}"), json=True),
    Page("v1:resource-detail", "officer_a", lambda w: api(f"resources/{w.resource.pk}/"), add_resource_referral,
         fixed("爱心志愿服务队"), json=True),
    Page("v1:referral-list", "officer_a", lambda w: api("referrals/"), add_referral, mark("机构标记{i}"), json=True),
    Page("v1:referral-detail", "officer_a", lambda w: api(f"referrals/{w.referral(w.person, '主机构').pk}/"), nothing,
         fixed("主机构"), json=True),
    Page("v1:duplicate-list", "officer_a", lambda w: api("duplicates/"), add_duplicate, mark("重名标记{i}"), json=True),
    Page("v1:duplicate-detail", "officer_a", lambda w: api(f"duplicates/{w.duplicate.pk}/"), add_to_pair, fixed("王主档"),
         json=True),
    Page("v1:import-list", "officer_a", lambda w: api("imports/"), add_batch, mark("名单标记{i}.xlsx"), json=True),
    Page("v1:import-detail", "officer_a", lambda w: api(f"imports/{w.import_batch.pk}/"), nothing, fixed("主名单.xlsx"),
         json=True),
    Page("v1:visit-list", "worker_a", lambda w: api("visits/"), add_visit, mark("走访对象标记{i}"), json=True),
    Page("v1:visit-detail", "worker_a", lambda w: api(f"visits/{w.visit.pk}/"), add_to_visit,
         lambda w, i, row: [json_ids("workers", w.visit.workers.values_list("pk", flat=True)),
                            json_ids("items", w.visit.items.values_list("pk", flat=True))], json=True),
    Page("v1:planned-visit-list", "worker_a", lambda w: api("planned-visits/"), add_plan, mark("计划标记{i}"), json=True),
    Page("v1:planned-visit-detail", "worker_a", lambda w: api(f"planned-visits/{w.planned(w.person).pk}/"), nothing,
         fixed("王主档"), json=True),
    Page("v1:case-list", "worker_a", lambda w: api("cases/"), add_case, mark("X-{i:04d}"), json=True),
    Page("v1:case-detail", "worker_a", lambda w: api(f"cases/{w.case.pk}/"), add_to_case,
         lambda w, i, row: [json_ids("items", w.case.items.values_list("pk", flat=True))], json=True),
    Page("v1:case-records", "worker_a", lambda w: api(f"cases/{w.case.pk}/records/"), add_case_record, mark("记录标记{i}"),
         json=True),
    Page("v1:case-notes", "worker_a", lambda w: api(f"cases/{w.case.pk}/notes/"), add_case_note, mark("机密标记{i}"), json=True),
    Page("v1:case-plan-list", "worker_a", lambda w: api("case-plans/"), add_case_plan, mark("目标标记{i}"), json=True),
    Page("v1:case-plan-detail", "worker_a", lambda w: api(f"case-plans/{w.plan_approval.plan_id}/"), add_plan_approval,
         mark("批示标记{i}"), json=True),
    Page("v1:case-approval-list", "supervisor", lambda w: api("case-approvals/"), add_approval, mark("A-{i}-pending", "A-{i}-approved"),
         json=True),
    Page("v1:case-approval-detail", "supervisor", lambda w: api(f"case-approvals/{w.plan_approval.pk}/"), add_to_approval,
         fixed("CASE-主"), json=True),
    Page("v1:group-list", "worker_a", lambda w: api("groups/"), add_group, mark("小组标记{i}"), json=True),
    Page("v1:group-detail", "worker_a", lambda w: api(f"groups/{w.group.pk}/"), add_to_group,
         lambda w, i, row: [json_ids("items", w.group.items.values_list("pk", flat=True))], json=True),
    Page("v1:group-members", "worker_a", lambda w: api(f"groups/{w.group.pk}/members/"), add_group_member,
         mark("组员标记{i}"), json=True),
    Page("v1:group-sessions", "worker_a", lambda w: api(f"groups/{w.group.pk}/sessions/"), add_group_session,
         mark("主题标记{i}"), json=True),
    Page("v1:group-validity", "worker_a", lambda w: api(f"groups/{w.group.pk}/validity/"), add_group_session,
         fixed('"checks"'), json=True),
    Page("v1:group-session-detail", "worker_a", lambda w: api(f"group-sessions/{w.group_session_main.pk}/"), add_attendance,
         lambda w, i, row: [json_ids("present", w.group_session_main.attendance.values_list("member_id", flat=True))],
         json=True),
    Page("v1:activity-list", "worker_a", lambda w: api("activities/"), add_activity, mark("活动标记{i}"), json=True),
    Page("v1:activity-detail", "worker_a", lambda w: api(f"activities/{w.activity.pk}/"), add_to_activity,
         lambda w, i, row: [json_ids("participants", sorted(w.activity.named.values_list("recipient_id", flat=True)))], json=True),
    Page("v1:catalogue-list", "worker_a", lambda w: api(f"catalogue/?region={w.village}"), add_catalogue_item,
         mark("领域标记{i}", "条目标记{i}", "项目标记{i}"), json=True),
    Page("v1:catalogue-domain-list", "county_bureau", lambda w: api("catalogue-domains/"), add_catalogue_item,
         mark("领域标记{i}"), json=True),
    Page("v1:catalogue-domain-detail", "county_bureau", lambda w: api(f"catalogue-domains/{w.domain.pk}/"),
         add_catalogue_item, fixed("社会救助"), json=True),
    Page("v1:catalogue-item-list", "county_bureau", lambda w: api("catalogue-items/"), add_catalogue_item,
         mark("条目标记{i}", "项目标记{i}"), json=True),
    Page("v1:catalogue-item-detail", "county_bureau", lambda w: api(f"catalogue-items/{w.items[0].pk}/"), add_catalogue_item,
         fixed("低保对象走访"), json=True),
    Page("v1:cw-attachment-list", "worker_a", lambda w: api("casework-attachments/"), add_cw_attachment, mark("附件标记{i}"),
         json=True),
    Page("v1:cw-attachment-detail", "worker_a",
         lambda w: api(f"casework-attachments/{w.record_attachment(w.visit, '主附件').pk}/"), nothing, fixed("主附件"), json=True),
    Page("v1:cw-referral-list", "worker_a", lambda w: api("casework-referrals/"), add_cw_referral, mark("机构标记{i}"),
         json=True),
    Page("v1:kpi-list", "county_bureau", lambda w: api("kpi/?region=210381&period=2025"), add_kpi_place,
         mark("乡镇标记{i}"), json=True),
    Page("v1:kpi-contract-detail", "county_bureau", lambda w: api(f"kpi/contracts/{w.contract.pk}/"), add_to_contract,
         fixed("HC-标记主"), json=True),
    Page("v1:todo-list", "county_bureau", lambda w: api("todo/"), add_renewal, mark("HC-标记{i}"), json=True),
]


# ---- The inventory: every URL name, classified ---------------------------------------------

# Existing tests that check a page costs no more queries for more rows (besides this module).
ACCOUNTS_LISTS = "shegong/accounts/tests/test_views.py::test_list_pages_cost_the_same_for_3_or_30_rows"
SUPPLY_LISTS = "shegong/core/tests/test_query_counts.py::test_list_pages_cost_the_same_for_few_or_many_rows"
CONTRACT_LIST = "shegong/contracts/tests/test_views.py::test_list_page_costs_a_constant_number_of_queries"
SESSION_API = "shegong/workforce/tests/test_views.py::test_session_api_lists_only_visible_attendees_without_a_query_per_session"
REGISTRY_LISTS = "shegong/recipients/tests/test_registry_pages.py::test_list_pages_cost_the_same_for_few_or_many_rows"
RECIPIENT_FILE = "shegong/recipients/tests/test_registry_pages.py::test_the_file_costs_the_same_for_a_short_or_long_history"
FILE_REFERRALS = "shegong/casework/tests/test_referrals.py::TestPages::test_file_section_costs_the_same_for_many_sources"
RECIPIENT_API_LISTS = "shegong/recipients/tests/test_api.py::test_lists_cost_the_same_for_few_or_many_rows"
RECIPIENT_API_ROWS = "shegong/recipients/tests/test_api.py::test_a_row_costs_a_handful_of_queries"
RECIPIENT_ATTACHMENTS_API = (
    "shegong/recipients/tests/test_api_attachments.py::test_the_list_costs_the_same_for_few_or_many_attachments"
)
RESOURCE_LIST = "shegong/recipients/tests/test_resources.py::TestList::test_constant_query_count"
RESOURCE_PAGE = "shegong/recipients/tests/test_resources.py::test_resource_page_costs_the_same_for_few_or_many_referrals"
ASSESSMENTS_DUE = "shegong/recipients/tests/test_needs.py::TestAssessmentsDue::test_constant_query_count"
NEEDS_LIST = "shegong/recipients/tests/test_needs.py::TestNeedsList::test_constant_query_count"
ASSESSMENT_PAGE = (
    "shegong/recipients/tests/test_needs.py::TestDetailQueryCounts::test_assessment_page_costs_the_same_for_few_or_many_needs"
)
HOUSEHOLD_HISTORY = (
    "shegong/recipients/tests/test_needs.py::TestDetailQueryCounts::"
    "test_household_history_costs_the_same_for_few_or_many_assessments"
)
DUPLICATE_LIST = "shegong/recipients/tests/test_duplicates.py::TestDetection::test_constant_query_count"
DUPLICATE_PAGE = "shegong/recipients/tests/test_duplicates.py::test_pair_page_costs_the_same_for_short_or_long_files"
IMPORT_LIST = "shegong/recipients/tests/test_imports_pages.py::TestQueryCounts::test_the_list_costs_the_same_for_3_or_30_lists"
IMPORT_PAGE = "shegong/recipients/tests/test_imports_pages.py::TestQueryCounts::test_the_preview_costs_the_same_for_3_or_30_rows"
REFERRAL_PAGE = "shegong/recipients/tests/test_referrals.py::test_referral_page_query_count"
VISIT_LIST = "shegong/casework/tests/test_visits.py::TestVisitPages::test_list_is_scoped_filtered_and_constant_in_queries"
VISIT_DUE = "shegong/casework/tests/test_visits.py::TestDueAndPlans::test_due_page_puts_mine_first_and_counts_overdue"
CASE_LIST = "shegong/casework/tests/test_cases_pages.py::test_list_queries_do_not_grow"
CASE_PAGE = "shegong/casework/tests/test_cases_pages.py::test_detail_queries_do_not_grow"
GROUP_PAGES = "shegong/casework/tests/test_groups_pages.py::test_list_and_detail_queries_do_not_grow"
ACTIVITY_PAGES = "shegong/casework/tests/test_activities_pages.py::test_list_and_detail_query_counts_are_constant"
CATALOGUE_PAGE = "shegong/casework/tests/test_catalogue.py::TestPages::test_query_count_does_not_grow_with_items"
REPORT_PAGES = "shegong/reports/tests/test_pages.py::test_list_and_detail_cost_a_fixed_number_of_queries"
REPORT_API = "shegong/reports/tests/test_api.py::test_list_and_detail_cost_a_fixed_number_of_queries"

# name: (LIST or DETAIL, the tests that pin its query count...) or (NOT_A_PAGE, why).
INVENTORY: dict[str, tuple[str, ...]] = {
    # core, accounts, regions
    "core:home": (LIST, HERE, ACCOUNTS_LISTS),
    "core:audit_list": (LIST, HERE, ACCOUNTS_LISTS),
    "core:audit_detail": (DETAIL, HERE),
    "accounts:login": (NOT_A_PAGE, "form"),
    "accounts:logout": (NOT_A_PAGE, "post"),
    "accounts:otp_verify": (NOT_A_PAGE, "form"),
    "accounts:otp_enrol": (NOT_A_PAGE, "form"),
    "accounts:profile": (DETAIL, HERE),
    "accounts:user_list": (LIST, HERE, ACCOUNTS_LISTS),
    "accounts:user_create": (NOT_A_PAGE, "form"),
    "accounts:user_detail": (DETAIL, HERE),
    "accounts:user_edit": (NOT_A_PAGE, "form"),
    "accounts:user_grant": (NOT_A_PAGE, "post"),
    "accounts:user_revoke": (NOT_A_PAGE, "post"),
    "accounts:user_set_active": (NOT_A_PAGE, "post"),
    "accounts:user_unlock": (NOT_A_PAGE, "post"),
    "accounts:user_reset_password": (NOT_A_PAGE, "post"),
    "regions:browse": (LIST, HERE),
    "regions:detail": (DETAIL, HERE),
    "set_language": (NOT_A_PAGE, "post"),
    # stations, policies
    "stations:station_list": (LIST, HERE, SUPPLY_LISTS),
    "stations:station_create": (NOT_A_PAGE, "form"),
    "stations:coverage": (LIST, HERE, SUPPLY_LISTS),
    "stations:station_detail": (DETAIL, HERE),
    "stations:station_edit": (NOT_A_PAGE, "form"),
    "stations:evidence_add": (NOT_A_PAGE, "post"),
    "stations:evidence_file": (NOT_A_PAGE, "download"),
    "stations:operator_list": (LIST, HERE, SUPPLY_LISTS),
    "stations:operator_create": (NOT_A_PAGE, "form"),
    "stations:operator_detail": (DETAIL, HERE),
    "policies:in_force": (LIST, HERE, SUPPLY_LISTS),
    "policies:profile_detail": (DETAIL, HERE),
    # workforce
    "workforce:worker_list": (LIST, HERE, SUPPLY_LISTS),
    "workforce:worker_create": (NOT_A_PAGE, "form"),
    "workforce:worker_import": (NOT_A_PAGE, "upload"),
    "workforce:worker_detail": (DETAIL, HERE),
    "workforce:worker_edit": (NOT_A_PAGE, "form"),
    "workforce:worker_assign": (NOT_A_PAGE, "post"),
    "workforce:session_list": (LIST, HERE, SUPPLY_LISTS),
    "workforce:session_create": (NOT_A_PAGE, "form"),
    "workforce:session_detail": (DETAIL, HERE),
    "workforce:volunteer_list": (LIST, HERE, SUPPLY_LISTS),
    "workforce:volunteer_create": (NOT_A_PAGE, "form"),
    "workforce:volunteer_detail": (DETAIL, HERE),
    "workforce:wage_list": (LIST, HERE, SUPPLY_LISTS),
    "workforce:wage_set": (NOT_A_PAGE, "form"),
    # contracts
    "contracts:contract_list": (LIST, HERE, SUPPLY_LISTS, CONTRACT_LIST),
    "contracts:contract_create": (NOT_A_PAGE, "form"),
    "contracts:contract_detail": (DETAIL, HERE),
    "contracts:contract_targets": (NOT_A_PAGE, "post"),
    "contracts:instalment_add": (NOT_A_PAGE, "post"),
    "contracts:payment_add": (NOT_A_PAGE, "post"),
    "contracts:renewal_decide": (NOT_A_PAGE, "post"),
    # reports (pinned in their own tests: a report needs the programme's rules, contract and rollups)
    "reports:report_list": (LIST, REPORT_PAGES),
    "reports:report_create": (NOT_A_PAGE, "form"),
    "reports:report_detail": (DETAIL, REPORT_PAGES),
    "reports:report_edit": (NOT_A_PAGE, "form"),
    **{f"reports:report_{n}": (NOT_A_PAGE, "post") for n in ("submit", "return", "approve", "correct", "refresh")},
    **{f"reports:report_{n}": (NOT_A_PAGE, "download") for n in ("xlsx", "docx", "pdf")},
    # recipients
    "recipients:recipient_list": (LIST, HERE, REGISTRY_LISTS),
    "recipients:recipient_create": (NOT_A_PAGE, "form"),
    "recipients:recipient_search_id": (NOT_A_PAGE, "form"),
    "recipients:recipient_detail": (DETAIL, HERE, RECIPIENT_FILE, FILE_REFERRALS),
    "recipients:recipient_edit": (NOT_A_PAGE, "form"),
    "recipients:recipient_print": (DETAIL, HERE),
    "recipients:recipient_unmask": (NOT_A_PAGE, "post"),
    "recipients:recipient_status": (NOT_A_PAGE, "post"),
    "recipients:attachment_add": (NOT_A_PAGE, "post"),
    "recipients:attachment_file": (NOT_A_PAGE, "download"),
    "recipients:household_list": (LIST, HERE, REGISTRY_LISTS),
    "recipients:household_options": (LIST, HERE),
    "recipients:household_detail": (DETAIL, HERE, RECIPIENT_FILE),
    "recipients:household_edit": (NOT_A_PAGE, "form"),
    "recipients:import_list": (LIST, HERE, IMPORT_LIST),
    "recipients:import_upload": (NOT_A_PAGE, "upload"),
    "recipients:import_template": (NOT_A_PAGE, "download"),
    "recipients:import_detail": (DETAIL, HERE, IMPORT_PAGE),
    "recipients:import_progress": (NOT_A_PAGE, "fragment"),
    "recipients:import_errors": (NOT_A_PAGE, "download"),
    "recipients:import_commit": (NOT_A_PAGE, "post"),
    "recipients:import_discard": (NOT_A_PAGE, "post"),
    "recipients:household_assessments": (LIST, HERE, HOUSEHOLD_HISTORY),
    "recipients:assessment_create": (NOT_A_PAGE, "form"),
    "recipients:assessments_due": (LIST, HERE, ASSESSMENTS_DUE),
    "recipients:assessment_detail": (DETAIL, HERE, ASSESSMENT_PAGE),
    "recipients:needs_list": (LIST, HERE, NEEDS_LIST),
    "recipients:need_update": (NOT_A_PAGE, "post"),
    "recipients:resource_list": (LIST, HERE, RESOURCE_LIST),
    "recipients:resource_create": (NOT_A_PAGE, "form"),
    "recipients:resource_detail": (DETAIL, HERE, RESOURCE_PAGE),
    "recipients:resource_edit": (NOT_A_PAGE, "form"),
    "recipients:resource_check": (NOT_A_PAGE, "post"),
    "recipients:referral_create": (NOT_A_PAGE, "form"),
    "recipients:referral_update": (DETAIL, HERE, REFERRAL_PAGE),
    "recipients:duplicate_list": (LIST, HERE, DUPLICATE_LIST),
    "recipients:duplicate_detail": (DETAIL, HERE, DUPLICATE_PAGE),
    "recipients:duplicate_merge": (NOT_A_PAGE, "post"),
    "recipients:duplicate_dismiss": (NOT_A_PAGE, "post"),
    # casework
    "casework:visit_list": (LIST, HERE, VISIT_LIST),
    "casework:visit_due": (LIST, HERE, VISIT_DUE),
    "casework:visit_create": (NOT_A_PAGE, "form"),
    "casework:visit_detail": (DETAIL, HERE),
    "casework:visit_edit": (NOT_A_PAGE, "form"),
    "casework:plan_list": (LIST, HERE),
    "casework:plan_run": (NOT_A_PAGE, "post"),
    "casework:plan_assign": (NOT_A_PAGE, "post"),
    "casework:outbox": (NOT_A_PAGE, "static"),
    "casework:case_list": (LIST, HERE, CASE_LIST),
    "casework:case_create": (NOT_A_PAGE, "form"),
    "casework:case_detail": (DETAIL, HERE, CASE_PAGE),
    **{f"casework:{n}": (NOT_A_PAGE, "form") for n in (
        "case_edit", "case_assess", "case_plan", "case_record", "case_review", "case_continue", "case_closure",
        "case_reopen", "case_note", "case_transfer", "case_assign")},
    "casework:approval_list": (LIST, HERE),
    "casework:approval_decide": (DETAIL, HERE),
    "casework:group_list": (LIST, HERE, GROUP_PAGES),
    "casework:group_create": (NOT_A_PAGE, "form"),
    "casework:person_search": (LIST, HERE),
    "casework:group_detail": (DETAIL, HERE, GROUP_PAGES),
    "casework:group_edit": (NOT_A_PAGE, "form"),
    "casework:group_member_add": (NOT_A_PAGE, "post"),
    "casework:group_member_leave": (NOT_A_PAGE, "post"),
    "casework:session_create": (NOT_A_PAGE, "form"),
    "casework:session_detail": (DETAIL, HERE),
    "casework:session_edit": (NOT_A_PAGE, "form"),
    "casework:activity_list": (LIST, HERE, ACTIVITY_PAGES),
    "casework:activity_create": (NOT_A_PAGE, "form"),
    "casework:activity_detail": (DETAIL, HERE, ACTIVITY_PAGES),
    "casework:activity_edit": (NOT_A_PAGE, "form"),
    "casework:activity_delete": (NOT_A_PAGE, "post"),
    "casework:catalogue": (LIST, HERE, CATALOGUE_PAGE),
    "casework:catalogue_edit": (DETAIL, HERE),
    "casework:attachment_upload": (NOT_A_PAGE, "post"),
    "casework:attachment_file": (NOT_A_PAGE, "download"),
    "casework:attachment_thumb": (NOT_A_PAGE, "download"),
    "casework:attachment_remove": (NOT_A_PAGE, "post"),
    "casework:refer": (NOT_A_PAGE, "form"),
    "monitoring:home": (LIST, HERE),
    "monitoring:dashboard": (
        DETAIL, HERE,
        "shegong/monitoring/tests/test_dashboard.py::test_the_township_dashboard_costs_the_same_for_few_or_many_workers",
    ),
    "monitoring:contract": (DETAIL, HERE),
    "monitoring:todo": (LIST, HERE),
    "monitoring:todo_summary": (LIST, HERE),
    # The API under /api/v1/ (and its schema)
    "api-schema": (NOT_A_PAGE, "schema"),
    "v1:me": (DETAIL, HERE),
    "v1:region-list": (LIST, HERE),
    "v1:region-detail": (DETAIL, HERE),
    "v1:user-list": (LIST, HERE, ACCOUNTS_LISTS),
    "v1:user-detail": (DETAIL, HERE),
    "v1:user-deactivate": (NOT_A_PAGE, "post"),
    "v1:user-reactivate": (NOT_A_PAGE, "post"),
    "v1:audit-list": (LIST, HERE, ACCOUNTS_LISTS),
    "v1:audit-detail": (DETAIL, HERE),
    "v1:operator-list": (LIST, HERE),
    "v1:operator-detail": (DETAIL, HERE),
    "v1:station-list": (LIST, HERE),
    "v1:station-detail": (DETAIL, HERE),
    "v1:station-eight-haves": (DETAIL, HERE),
    "v1:volunteer-list": (LIST, HERE),
    "v1:volunteer-detail": (DETAIL, HERE),
    "v1:volunteer-hours": (NOT_A_PAGE, "post"),
    "v1:wage-list": (LIST, HERE),
    "v1:wage-detail": (DETAIL, HERE),
    "v1:worker-list": (LIST, HERE),
    "v1:worker-detail": (DETAIL, HERE),
    "v1:session-list": (LIST, HERE, SESSION_API),
    "v1:session-detail": (DETAIL, HERE),
    "v1:contract-list": (LIST, HERE),
    "v1:contract-detail": (DETAIL, HERE),
    "v1:report-list": (LIST, REPORT_API),
    "v1:report-detail": (DETAIL, REPORT_API),
    **{f"v1:report-{n}": (NOT_A_PAGE, "post") for n in ("submit", "return", "approve", "correct")},
    **{f"v1:report-{n}": (NOT_A_PAGE, "download") for n in ("xlsx", "docx", "pdf")},
    "v1:recipient-list": (LIST, HERE, RECIPIENT_API_LISTS),
    "v1:recipient-search": (NOT_A_PAGE, "post"),
    "v1:recipient-detail": (DETAIL, HERE, RECIPIENT_API_ROWS),
    "v1:recipient-attachments": (LIST, HERE, RECIPIENT_ATTACHMENTS_API),
    "v1:recipient-categories": (LIST, HERE),
    "v1:recipient-status": (NOT_A_PAGE, "post"),
    "v1:recipient-timeline": (LIST, HERE),
    "v1:recipient-unmask": (NOT_A_PAGE, "post"),
    "v1:household-list": (LIST, HERE, RECIPIENT_API_LISTS),
    "v1:household-detail": (DETAIL, HERE, RECIPIENT_API_ROWS),
    "v1:assessment-list": (LIST, HERE, RECIPIENT_API_LISTS),
    "v1:assessment-detail": (DETAIL, HERE, RECIPIENT_API_ROWS),
    "v1:need-list": (LIST, HERE, RECIPIENT_API_LISTS),
    "v1:resource-list": (LIST, HERE, RECIPIENT_API_LISTS),
    "v1:resource-detail": (DETAIL, HERE, RECIPIENT_API_ROWS),
    "v1:referral-list": (LIST, HERE, RECIPIENT_API_LISTS),
    "v1:referral-detail": (DETAIL, HERE, RECIPIENT_API_ROWS),
    "v1:duplicate-list": (LIST, HERE, RECIPIENT_API_LISTS),
    "v1:duplicate-detail": (DETAIL, HERE, RECIPIENT_API_ROWS),
    "v1:duplicate-dismiss": (NOT_A_PAGE, "post"),
    "v1:duplicate-merge": (NOT_A_PAGE, "post"),
    "v1:import-list": (LIST, HERE, RECIPIENT_API_LISTS),
    "v1:import-detail": (DETAIL, HERE, RECIPIENT_API_ROWS),
    "v1:import-commit": (NOT_A_PAGE, "post"),
    "v1:import-discard": (NOT_A_PAGE, "post"),
    "v1:attachment-detail": (DETAIL, HERE),
    "v1:attachment-file": (NOT_A_PAGE, "download"),
    "v1:visit-list": (LIST, HERE),
    "v1:visit-detail": (DETAIL, HERE),
    "v1:planned-visit-list": (LIST, HERE),
    "v1:planned-visit-detail": (DETAIL, HERE),
    "v1:planned-visit-assign": (NOT_A_PAGE, "post"),
    "v1:case-list": (LIST, HERE),
    "v1:case-detail": (DETAIL, HERE),
    "v1:case-records": (LIST, HERE),
    "v1:case-notes": (LIST, HERE),
    **{f"v1:case-{n}": (NOT_A_PAGE, "post") for n in (
        "assess", "assign", "continue", "reopen", "review", "submit-closure", "submit-plan", "transfer")},
    "v1:case-plan-list": (LIST, HERE),
    "v1:case-plan-detail": (DETAIL, HERE),
    "v1:case-approval-list": (LIST, HERE),
    "v1:case-approval-detail": (DETAIL, HERE),
    "v1:case-approval-decide": (NOT_A_PAGE, "post"),
    "v1:group-list": (LIST, HERE),
    "v1:group-detail": (DETAIL, HERE),
    "v1:group-leave": (NOT_A_PAGE, "post"),
    "v1:group-members": (LIST, HERE),
    "v1:group-sessions": (LIST, HERE),
    "v1:group-validity": (DETAIL, HERE),
    "v1:group-session-detail": (DETAIL, HERE),
    "v1:activity-list": (LIST, HERE),
    "v1:activity-detail": (DETAIL, HERE),
    "v1:catalogue-list": (LIST, HERE),
    "v1:catalogue-domain-list": (LIST, HERE),
    "v1:catalogue-domain-detail": (DETAIL, HERE),
    "v1:catalogue-item-list": (LIST, HERE),
    "v1:catalogue-item-detail": (DETAIL, HERE),
    "v1:cw-attachment-list": (LIST, HERE),
    "v1:cw-attachment-detail": (DETAIL, HERE),
    "v1:cw-attachment-file": (NOT_A_PAGE, "download"),
    "v1:cw-attachment-thumbnail": (NOT_A_PAGE, "download"),
    "v1:cw-referral-list": (LIST, HERE),
    "v1:kpi-list": (DETAIL, HERE),
    "v1:kpi-contract-detail": (DETAIL, HERE),
    "v1:todo-list": (LIST, HERE),
}


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + (f"{p.namespace}:" if p.namespace else ""))
        elif isinstance(p, URLPattern) and p.name:
            yield prefix + p.name


def _test_exists(ref: str) -> bool:
    """Whether ``path/to/test_x.py::[Class::]test_name`` names a test function."""
    path, *names = ref.split("::")
    try:
        target = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    except ImportError:
        return False
    for name in names:
        target = getattr(target, name, None)
    return callable(target) and names[-1].startswith("test")


def test_every_url_is_classified():
    names = {n for n in _walk(get_resolver().url_patterns) if not n.endswith("-format-suffix")}
    unclassified = sorted(names - set(INVENTORY))
    assert not unclassified, f"classify these URL names in INVENTORY (list, detail or not a page): {unclassified}"
    gone = sorted(set(INVENTORY) - names)
    assert not gone, f"INVENTORY names URLs that no longer exist: {gone}"


def test_every_page_names_tests_that_pin_its_queries():
    pinned_here = {page.name for page in PAGES}
    for name, (kind, *refs) in INVENTORY.items():
        assert kind in (LIST, DETAIL, NOT_A_PAGE), name
        if kind == NOT_A_PAGE:
            assert len(refs) == 1 and refs[0] and " " not in refs[0], f"{name}: give one word for why it is no page"
            continue
        assert refs, f"{name}: name the test that pins its query count"
        for ref in refs:
            if ref == HERE:
                assert name in pinned_here, f"{name} is said to be pinned here but is not in PAGES"
            else:
                assert _test_exists(ref), f"{name}: no test {ref}"
    assert pinned_here <= {n for n, (kind, *_refs) in INVENTORY.items() if kind in (LIST, DETAIL)}
    assert set(PINNED) == pinned_here, f"pin these: {sorted(pinned_here - set(PINNED))}; unpin: {sorted(set(PINNED) - pinned_here)}"


# The number of queries each page costs (the same for few rows or many). Most of a page's cost is
# the frame: session, user, second factor, role assignments, the session's renewal, navigation.
PINNED: dict[str, int] = {
    # pages
    "core:home": 10, "core:audit_list": 8, "core:audit_detail": 7, "accounts:user_list": 9,
    "accounts:user_detail": 13, "accounts:profile": 12, "regions:browse": 6, "regions:detail": 9,
    "stations:station_list": 10, "stations:coverage": 10, "stations:station_detail": 15, "stations:operator_list": 9,
    "stations:operator_detail": 10, "policies:in_force": 10, "policies:profile_detail": 8,
    "workforce:worker_list": 12, "workforce:worker_detail": 24, "workforce:session_list": 9,
    "workforce:session_detail": 8, "workforce:volunteer_list": 11, "workforce:volunteer_detail": 9,
    "workforce:wage_list": 9, "contracts:contract_list": 11, "contracts:contract_detail": 17,
    "recipients:recipient_list": 13, "recipients:recipient_detail": 22, "recipients:recipient_print": 21,
    "recipients:household_list": 12, "recipients:household_options": 8, "recipients:household_detail": 10,
    "recipients:household_assessments": 11, "recipients:import_list": 10, "recipients:import_detail": 9,
    "recipients:assessments_due": 10, "recipients:assessment_detail": 11, "recipients:needs_list": 12,
    "recipients:resource_list": 11, "recipients:resource_detail": 11, "recipients:referral_update": 9,
    "recipients:duplicate_list": 9, "recipients:duplicate_detail": 10, "casework:visit_list": 13,
    "casework:visit_due": 14, "casework:plan_list": 12, "casework:visit_detail": 16, "casework:case_list": 12,
    "casework:case_detail": 27, "casework:approval_list": 9, "casework:approval_decide": 9,
    "casework:group_list": 14, "casework:group_detail": 15, "casework:person_search": 8,
    "casework:session_detail": 13, "casework:activity_list": 21, "casework:activity_detail": 14,
    "casework:catalogue": 13, "casework:catalogue_edit": 9,
    "monitoring:todo": 22, "monitoring:todo_summary": 22,
    "monitoring:dashboard": 16, "monitoring:home": 18, "monitoring:contract": 16,
    # the API
    "v1:region-list": 5, "v1:region-detail": 4, "v1:user-list": 6, "v1:user-detail": 6, "v1:me": 6, "v1:audit-list": 5,
    "v1:audit-detail": 5, "v1:operator-list": 5, "v1:operator-detail": 5, "v1:station-list": 5, "v1:station-detail": 5,
    "v1:station-eight-haves": 7, "v1:worker-list": 7, "v1:worker-detail": 13, "v1:session-list": 6,
    "v1:session-detail": 6, "v1:volunteer-list": 5, "v1:volunteer-detail": 5, "v1:wage-list": 5, "v1:wage-detail": 5,
    "v1:contract-list": 9, "v1:contract-detail": 9, "v1:recipient-list": 7, "v1:recipient-detail": 7,
    "v1:recipient-timeline": 8, "v1:recipient-categories": 8, "v1:recipient-attachments": 8,
    "v1:attachment-detail": 6, "v1:household-list": 7, "v1:household-detail": 7, "v1:assessment-list": 7,
    "v1:assessment-detail": 7, "v1:need-list": 6, "v1:resource-list": 6, "v1:resource-detail": 6,
    "v1:referral-list": 6, "v1:referral-detail": 6, "v1:duplicate-list": 6, "v1:duplicate-detail": 6,
    "v1:import-list": 6, "v1:import-detail": 6, "v1:visit-list": 8, "v1:visit-detail": 8, "v1:planned-visit-list": 6,
    "v1:planned-visit-detail": 6, "v1:case-list": 7, "v1:case-detail": 7, "v1:case-records": 9, "v1:case-notes": 10,
    "v1:case-plan-list": 10, "v1:case-plan-detail": 10, "v1:case-approval-list": 6, "v1:case-approval-detail": 6,
    "v1:group-list": 11, "v1:group-detail": 11, "v1:group-members": 10, "v1:group-sessions": 12,
    "v1:group-validity": 11, "v1:group-session-detail": 7, "v1:activity-list": 9, "v1:activity-detail": 9,
    "v1:catalogue-list": 8, "v1:catalogue-domain-list": 5, "v1:catalogue-domain-detail": 5,
    "v1:catalogue-item-list": 5, "v1:catalogue-item-detail": 5, "v1:cw-attachment-list": 6,
    "v1:cw-attachment-detail": 6, "v1:cw-referral-list": 6,
    "v1:kpi-list": 13, "v1:kpi-contract-detail": 13, "v1:todo-list": 20,
}


@pytest.fixture
def world(people, regions, operator):
    return World(people, regions, operator)


def _measure(client, url, is_json, uncached=False) -> tuple[int, str]:
    if uncached:
        from django.core.cache import cache

        cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    body = response.content.decode()
    if is_json:  # the answer as text, its Chinese unescaped
        body = json.dumps(response.json(), ensure_ascii=False)
    return len(ctx.captured_queries), body


@pytest.mark.parametrize("page", PAGES, ids=str)
def test_page_costs_the_same_for_few_or_many(page, world, client_for):
    user = world.reader if page.who == "reader" else world[page.who]
    client = client_for(user)
    for i in range(FEW):
        row = page.add(world, i)
    url = page.url(world)
    client.get(url)  # warm per-process caches (content types, translations)
    few, body = _measure(client, url, page.json, page.uncached)
    for text in page.marks(world, FEW - 1, row):
        assert text in body, f"{url} does not show {text!r}" + (f": {body[:2000]}" if page.json else "")
    for i in range(FEW, MANY):
        row = page.add(world, i)
    many, body = _measure(client, url, page.json, page.uncached)
    for text in page.marks(world, MANY - 1, row):
        assert text in body, f"{url} does not show {text!r}" + (f": {body[:2000]}" if page.json else "")
    assert many == few, f"{page.name} ({url}): {few} queries with {FEW} rows, {many} with {MANY}"
    assert many == PINNED.get(page.name), f"{page.name} ({url}) costs {many} queries; pinned: {PINNED.get(page.name)}"
