"""Hand-built casework rows for tests, written directly (no permission checks): for arranging."""

from __future__ import annotations

from datetime import date

from django.core.files.base import ContentFile

from shegong.casework import models as cw
from shegong.recipients.tests import factories as rf


def make_catalogue(profile, domains=(("A", "社会救助", "must", (("A1", "低保对象走访"), ("A2", "临时救助协助"))),)):
    """A small catalogue under ``profile``; returns its items in order."""
    items = []
    for position, (code, name, kind, entries) in enumerate(domains):
        domain = cw.ServiceDomain.objects.create(profile=profile, code=code, name=name, kind=kind, position=position)
        for item_position, (item_code, item_name) in enumerate(entries):
            items.append(cw.ServiceItem.objects.create(domain=domain, code=item_code, name=item_name, position=item_position))
    return items


def make_visit(recipient, worker=None, *, on=date(2025, 3, 1), outcome=cw.VisitOutcome.AT_HOME, **fields) -> cw.Visit:
    visit = cw.Visit.objects.create(region_id=recipient.region_id, recipient=recipient, household=recipient.household,
                                    visited_on=on, outcome=outcome, created_by=worker, **fields)
    if worker is not None:
        visit.workers.add(worker)
    return visit


def make_case(recipient, worker=None, *, supervisor=None, number=None, stage=cw.CaseStage.INTAKE,
              opened_on=date(2025, 3, 1), **fields) -> cw.Case:
    seq = cw.Case.objects.count() + 1
    return cw.Case.objects.create(
        number=number or f"{recipient.region_id[:9]}-{opened_on.year}-T{seq:04d}", region_id=recipient.region_id,
        recipient=recipient, worker=worker, supervisor=supervisor, source=cw.CaseSource.OUTREACH, stage=stage,
        opened_on=opened_on, problem=fields.pop("problem", "独居，行动不便，需要生活照料"), created_by=worker, **fields,
    )


def make_group(region_code: str, leader=None, *, name="老年人互助小组", starts_on=date(2025, 4, 1), **fields) -> cw.Group:
    return cw.Group.objects.create(region_id=region_code, name=name, goal="增进邻里互助", leader=leader,
                                   starts_on=starts_on, created_by=leader, **fields)


def make_activity(region_code: str, organiser=None, *, kind=cw.ActivityKind.ACTIVITY, title="重阳节敬老活动",
                  held_on=date(2025, 10, 11), participants=30, **fields) -> cw.Activity:
    return cw.Activity.objects.create(kind=kind, region_id=region_code, title=title, held_on=held_on, place="村委会",
                                      participant_count=participants, organiser=organiser, created_by=organiser, **fields)


def township_b_row(world, regions, what: str):
    """A casework row of model ``what`` placed in township B (for the scoping walk)."""
    township_b = regions["township_b"] if regions else world["worker_b"].role_assignments.get().region
    village = rf.village_of(township_b)
    person = rf.make_recipient(village, "乙某某")
    worker_b = world["worker_b"]
    if what in ("ServiceDomain", "ServiceItem"):
        from shegong.policies.models import PolicyProfile

        profile = PolicyProfile.objects.create(name="B 乡镇规则", region=township_b)
        items = make_catalogue(profile)
        return items[0].domain if what == "ServiceDomain" else items[0]
    if what == "Visit":
        return make_visit(person, worker_b, findings="MARK-B-VISIT")
    if what == "PlannedVisit":
        return cw.PlannedVisit.objects.create(region_id=village, recipient=person, reason=cw.PlanReason.NEW, due_on=date(2025, 3, 1))
    if what in ("Group", "GroupMember", "GroupSession", "SessionAttendance"):
        group = make_group(village, worker_b, name="MARK-B-GROUP")
        if what == "Group":
            return group
        member = cw.GroupMember.objects.create(group=group, recipient=person, joined_on=date(2025, 4, 1))
        if what == "GroupMember":
            return member
        session = cw.GroupSession.objects.create(group=group, number=1, held_on=date(2025, 4, 8), topic="相识")
        if what == "GroupSession":
            return session
        return cw.SessionAttendance.objects.create(session=session, member=member, present=True)
    if what in ("Activity", "ActivityParticipant", "ActivityVolunteer"):
        activity = make_activity(village, worker_b, title="MARK-B-ACTIVITY")
        if what == "Activity":
            return activity
        if what == "ActivityParticipant":
            return cw.ActivityParticipant.objects.create(activity=activity, recipient=person)
        from shegong.workforce.tests import factories as wf

        volunteer = wf.volunteer_b(world, regions or {"township_b": township_b})
        return cw.ActivityVolunteer.objects.create(activity=activity, volunteer=volunteer, hours="2.0")
    if what == "Attachment":
        from django.contrib.contenttypes.models import ContentType

        visit = make_visit(person, worker_b)
        return cw.Attachment.objects.create(
            region_id=village, owner_type=ContentType.objects.get_for_model(cw.Visit), owner_id=visit.pk,
            file=ContentFile(b"\x89PNG\r\n\x1a\n", name="b.png"), content_type="image/png", size=8,
        )
    case = make_case(person, worker_b)
    if what == "Case":
        return case
    if what == "CasePlan":
        return cw.CasePlan.objects.create(case=case, goals="MARK-B", actions="上门", timetable="每周")
    if what == "Approval":
        return cw.Approval.objects.create(case=case, subject=cw.ApprovalSubject.CLOSURE)
    if what == "CaseRecord":
        return cw.CaseRecord.objects.create(case=case, occurred_on=date(2025, 3, 2), content="MARK-B")
    if what == "ConfidentialNote":
        return cw.ConfidentialNote.objects.create(case=case, cipher="x")
    if what == "StageChange":
        return cw.StageChange.objects.create(case=case, new_stage=cw.CaseStage.INTAKE)
    if what == "CaseTransfer":
        return cw.CaseTransfer.objects.create(case=case, from_region_id=village, to_region_id=village, reason="MARK-B")
    raise LookupError(what)
