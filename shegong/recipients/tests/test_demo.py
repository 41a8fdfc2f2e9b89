"""The demo recipients: believable, valid, idempotent."""

from datetime import date

import pytest

from shegong.recipients import demo, idnumber, services
from shegong.recipients.models import DuplicateCandidate, Household, Recipient

pytestmark = pytest.mark.django_db


def test_build_twice_adds_the_same_rows_once(regions):
    townships = [regions["township_a"], regions["township_b"]]
    today = date(2026, 6, 1)
    demo.build(townships=townships, today=today, per_township=12)
    counts = (Recipient.objects.count(), Household.objects.count(), DuplicateCandidate.objects.count())
    demo.build(townships=townships, today=today, per_township=12)
    assert (Recipient.objects.count(), Household.objects.count(), DuplicateCandidate.objects.count()) == counts
    assert counts[1] == 24 and counts[0] > 24
    # One pair per township waits in the review queue.
    assert DuplicateCandidate.objects.filter(status="open").count() == 2


def test_every_id_number_is_valid_and_agrees_with_the_file(regions):
    demo.build(townships=[regions["township_a"]], today=date(2026, 6, 1), per_township=10)
    with_id = Recipient.objects.exclude(id_index=None)
    assert with_id.exists()
    for person in with_id:
        parsed = idnumber.parse(services.clear_value(person, "id_number"))
        assert (parsed.birth_date, parsed.sex) == (person.birth_date, person.sex)
        assert person.region_id.startswith(regions["township_a"].code)


def test_children_have_guardians(regions):
    demo.build(townships=[regions["township_a"], regions["township_b"]], today=date(2026, 6, 1), per_township=30)
    children = [p for p in Recipient.objects.all() if p.age_on(date(2026, 6, 1)) < 14]
    assert children, "the demo should show the child flag somewhere"
    assert all(c.guardian_name and c.guardian_phone_masked for c in children)
