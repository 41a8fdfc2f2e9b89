"""Edit conflicts: the second of two saves from the same starting version is refused, untouched."""

from datetime import date

import pytest

from shegong.casework.models import Visit
from shegong.casework.tests.factories import make_visit
from shegong.core.concurrency import EditConflict, save_versioned
from shegong.recipients.tests import factories as rf

pytestmark = pytest.mark.django_db


def test_second_save_from_the_same_version_is_refused_and_writes_nothing(regions, people):
    person = rf.make_recipient(rf.village_of(regions["township_a"]), "王五")
    visit = make_visit(person, people["worker_a"], findings="屋顶漏雨")
    first, second = Visit.objects.get(pk=visit.pk), Visit.objects.get(pk=visit.pk)

    first.findings = "屋顶漏雨，已联系村委维修"
    save_versioned(first, 1, ["findings"])
    assert first.version == 2

    second.findings = "一切正常"
    with pytest.raises(EditConflict):
        save_versioned(second, 1, ["findings"])
    stored = Visit.objects.get(pk=visit.pk)
    assert (stored.findings, stored.version) == ("屋顶漏雨，已联系村委维修", 2)


def test_a_save_from_the_current_version_goes_through(regions, people):
    person = rf.make_recipient(rf.village_of(regions["township_a"]), "王五")
    visit = make_visit(person, people["worker_a"])
    visit.visited_on = date(2025, 3, 5)
    save_versioned(visit, 1, ["visited_on"])
    save_versioned(visit, 2, ["visited_on"])
    assert Visit.objects.get(pk=visit.pk).version == 3
