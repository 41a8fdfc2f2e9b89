"""``shegong generate``: counts, valid and unique ID numbers, determinism, refusal, scoping."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from shegong.accounts.models import RoleAssignment, User
from shegong.casework.models import Activity, Case, Group, GroupMember, GroupSession, Visit
from shegong.core import crypto
from shegong.recipients import idnumber, services
from shegong.recipients.models import ID_PURPOSE, CategoryMembership, Household, Recipient
from shegong.stations.models import Station
from shegong.synthetic.build import Generator, Options, townships_for
from shegong.workforce.models import SocialWorker

ARGS = ["--preset", "county", "--townships", "2", "--per-township", "30", "--years", "1", "--end", "2025-12-31"]


def generate(*extra):
    out = StringIO()
    call_command("generate", *ARGS, *extra, stdout=out)
    return out.getvalue()


def snapshot(township_code):
    """(name, ID number, birth date) of a township's recipients, in the order they were written."""
    rows = Recipient.objects.filter(region__code__startswith=township_code).order_by("pk")
    return [(r.name, crypto.decrypt(r.id_cipher, ID_PURPOSE), r.birth_date) for r in rows]


@pytest.fixture
def generated(regions):
    output = generate()
    return {"output": output, "a": regions["township_a"], "b": regions["township_b"]}


def test_counts_per_township(generated):
    assert "township 2/2" in generated["output"] and "rows/s" in generated["output"]
    for township in (generated["a"], generated["b"]):
        code = township.code
        assert Station.objects.filter(region=township, kind="station", status="operating").count() == 1
        workers = User.objects.filter(username__startswith=f"gen_{code}_w")
        assert 2 <= workers.count() <= 4
        assert RoleAssignment.objects.filter(user__in=workers, role="worker", region=township).count() == workers.count()
        assert SocialWorker.objects.filter(user__in=workers, assignments__station__region=township).count() == workers.count()
        assert not any(u.has_usable_password() for u in workers)
        people = Recipient.objects.filter(region__code__startswith=code)
        assert people.count() == 30
        assert all(len(r.region_id) == 12 for r in people)  # at a village of the township
        assert Household.objects.filter(region__code__startswith=code).exists()
        assert CategoryMembership.objects.filter(recipient__in=people).count() >= 30
        visits = Visit.objects.filter(region__code__startswith=code)
        assert 15 <= visits.count() <= 60  # about one a person
        assert not visits.filter(workers=None).exists()
        assert visits.filter(outcome="at_home").count() > visits.count() / 2
        for visit in visits[:5]:
            assert visit.region_id == visit.recipient.region_id
        cases = Case.objects.filter(region__code__startswith=code)
        assert 4 <= cases.count() <= 6
        assert all(c.number.startswith(f"{code}-2025-") and c.region_id == c.recipient.region_id for c in cases)
        groups = Group.objects.filter(region=township)
        assert 4 <= groups.count() <= 6
        for group in groups:
            assert 6 <= GroupMember.objects.filter(group=group).count() <= 10
            assert 4 <= GroupSession.objects.filter(group=group).count() <= 6
        activities = Activity.objects.filter(region__code__startswith=code)
        assert 9 <= activities.filter(kind="activity").count() <= 11
        assert 3 <= activities.filter(kind="publicity").count() <= 5


def test_id_numbers_valid_and_unique(generated):
    seen = set()
    for person in Recipient.objects.all():
        value = crypto.decrypt(person.id_cipher, ID_PURPOSE)
        parsed = idnumber.parse(value)
        assert parsed.county_code == "210381"
        assert (parsed.birth_date, parsed.sex) == (person.birth_date, person.sex)
        assert person.id_index == services.id_index_of(value)
        assert person.id_masked == value[:6] + "********" + value[-4:]
        seen.add(value)
    assert len(seen) == Recipient.objects.count() == 60


def test_refuses_to_run_twice(generated):
    with pytest.raises(CommandError, match="already hold generated data"):
        generate()
    assert Recipient.objects.count() == 60


def test_same_seed_same_data_whatever_the_order(regions):
    a, b = regions["township_a"].code, regions["township_b"].code
    options = Options(seed=1, per_township=30, years=1, end=date(2025, 12, 31))
    with transaction.atomic():
        generate()
        first_a, first_b = snapshot(a), snapshot(b)
        transaction.set_rollback(True)
    assert Recipient.objects.count() == 0
    with transaction.atomic():  # township B alone, on a fresh database: the same people
        Generator(options, out=lambda line: None).run(townships_for("county", 2)[1:])
        assert snapshot(b) == first_b
        transaction.set_rollback(True)
    generate()
    assert snapshot(a) == first_a and snapshot(b) == first_b
    assert first_a[:3] != first_b[:3]


def test_other_seed_other_people(regions):
    a = regions["township_a"].code
    with transaction.atomic():
        generate()
        first = snapshot(a)
        transaction.set_rollback(True)
    generate("--seed", "2")
    assert snapshot(a) != first


def test_scoping_between_generated_townships(generated):
    a, b = generated["a"].code, generated["b"].code
    worker_a = User.objects.get(username=f"gen_{a}_w1")
    visible = Recipient.objects.visible_to(worker_a)
    assert visible.count() == 30
    assert not visible.filter(region__code__startswith=b).exists()
    assert not Visit.objects.visible_to(worker_a).filter(region__code__startswith=b).exists()
    assert Visit.objects.visible_to(worker_a).exists()


def test_dry_run_writes_nothing(regions):
    output = generate("--dry-run")
    assert "recipients: 60" in output and "Dry run" in output
    assert Recipient.objects.count() == 0 and not User.objects.filter(username__startswith="gen_").exists()


def test_province_needs_the_national_regions(regions):
    with pytest.raises(CommandError, match="regions load"):
        call_command("generate", "--preset", "province", "--dry-run", stdout=StringIO())


def test_each_file_has_a_timeline_in_chinese_that_opens(generated, client_for):
    """A generated person's file reads like a real one: registered, then each visit and case, newest first,
    each line in Chinese and linked to the record it is about."""
    from shegong.recipients.models import TimelineEntry

    worker = User.objects.filter(username__startswith=f"gen_{generated['a'].code}_w").order_by("username").first()
    visit = Visit.objects.filter(region__code__startswith=generated["a"].code).order_by("pk").first()
    person = visit.recipient
    lines = list(TimelineEntry.objects.filter(recipient=person))
    kinds = [line.kind for line in lines]
    assert kinds[-1] == "registered" and kinds.count("visit") == person.visits.count()
    line = next(line for line in lines if line.link == f"/casework/visits/{visit.pk}/")
    assert line.summary.startswith("入户走访：") and visit.get_outcome_display() in line.summary
    assert line.occurred_at.date() == visit.visited_on
    for case in Case.objects.filter(region__code__startswith=generated["a"].code):
        assert TimelineEntry.objects.filter(recipient=case.recipient, kind="case_opened", link__endswith=f"/{case.pk}/",
                                            summary__contains=case.number).count() == 1
    member = GroupMember.objects.filter(group__region=generated["a"]).first()
    assert TimelineEntry.objects.filter(recipient=member.recipient, kind="group_joined", summary__contains=member.group.name).exists()
    page = client_for(worker).get(f"/recipients/{person.pk}/").content.decode()
    assert line.summary in page and "登记" in page
    assert client_for(worker).get(line.link).status_code == 200
