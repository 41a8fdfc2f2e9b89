"""Merging two files of one person carries their casework to the file kept."""

from datetime import date

import pytest

from shegong.casework import models as cw
from shegong.casework.tests.factories import make_activity, make_case, make_group, make_visit
from shegong.recipients import services
from shegong.recipients.models import DuplicateCandidate
from shegong.recipients.tests import factories as rf

pytestmark = pytest.mark.django_db


def test_merge_moves_visits_cases_and_memberships_even_where_both_files_had_one(regions, people):
    village = rf.village_of(regions["township_a"])
    kept = rf.make_recipient(village, "刘玉芬", id_number=rf.id_for(date(1948, 5, 6), 2))
    absorbed = rf.make_recipient(village, "刘玉芬")
    worker = people["worker_a"]
    visit = make_visit(absorbed, worker)
    case = make_case(absorbed, worker)
    group = make_group(village, worker)
    kept_member = cw.GroupMember.objects.create(group=group, recipient=kept, joined_on=date(2025, 4, 1))
    cw.GroupMember.objects.create(group=group, recipient=absorbed, joined_on=date(2025, 4, 1))
    other_group = make_group(village, worker, name="手工编织小组")
    moved_member = cw.GroupMember.objects.create(group=other_group, recipient=absorbed, joined_on=date(2025, 5, 1))
    activity = make_activity(village, worker)
    cw.ActivityParticipant.objects.create(activity=activity, recipient=kept)
    cw.ActivityParticipant.objects.create(activity=activity, recipient=absorbed)
    for person in (kept, absorbed):
        cw.PlannedVisit.objects.create(region_id=village, recipient=person, reason=cw.PlanReason.NEW, due_on=date(2025, 3, 1))
    candidate = DuplicateCandidate.objects.create(first=kept, second=absorbed, region_id=village, reason="same_name_birth")

    services.merge(people["station_lead"], candidate, kept)

    assert cw.Visit.objects.get(pk=visit.pk).recipient == kept
    assert cw.Case.objects.get(pk=case.pk).recipient == kept
    assert list(group.members.values_list("pk", flat=True)) == [kept_member.pk]
    assert cw.GroupMember.objects.get(pk=moved_member.pk).recipient == kept
    assert list(activity.named.values_list("recipient", flat=True)) == [kept.pk]
    assert cw.PlannedVisit.objects.filter(recipient=kept, status=cw.PlanStatus.OPEN).count() == 1
    assert not cw.PlannedVisit.objects.filter(recipient=absorbed).exists()
