"""The writers that bypass the signals leave the rollups as a fresh recount would.

``shegong generate`` and ``shegong demo`` write in bulk and recount at the end; the recipient
import writes with COPY and the merge moves rows with ``update()``, so both mark the townships and
years they changed. After each, every township row of every year equals ``rollups.count`` from the
records, and the county, city and province rows are the sums of their townships.
"""

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone

from shegong.casework.models import Visit, VisitOutcome
from shegong.monitoring import rollups
from shegong.monitoring.models import Tally
from shegong.recipients import imports, services
from shegong.recipients.models import DuplicateCandidate, Recipient, StatusChange
from shegong.recipients.tests import workbooks as wb
from shegong.recipients.tests.factories import id_for, make_recipient
from shegong.regions.models import Region

pytestmark = pytest.mark.django_db

COUNTY = "210381"


def years_to_check() -> list[int]:
    today = timezone.localdate()
    return sorted(set(range(today.year - 8, today.year + 1)) | set(Tally.objects.values_list("year", flat=True)))


def assert_true_to_records(prefix: str = COUNTY) -> None:
    """Every township row equals a fresh count; the rows above are the sums of the townships."""
    for year in years_to_check():
        stored = {(t.unit, t.month, t.metric): t.value
                  for t in Tally.objects.filter(level=rollups.UNIT_LENGTH, year=year, unit__startswith=prefix)}
        assert stored == rollups.count(prefix, year), f"township rows of {year} differ from a recount"
        sums = defaultdict(Decimal)
        for (_unit, month, metric), value in stored.items():
            sums[(month, metric)] += value
        expected = {key: value for key, value in sums.items() if value}
        for code in (prefix[:6], prefix[:4], prefix[:2]):
            above = {(t.month, t.metric): t.value for t in Tally.objects.filter(unit=code, year=year)}
            assert above == expected, f"rows of {code} in {year} are not the sums of its townships"


def registered(person, day: date) -> None:
    Recipient.objects.filter(pk=person.pk).update(created_at=timezone.make_aware(datetime(day.year, day.month, day.day, 9)))


def visit(person, day: date) -> Visit:
    return Visit.objects.create(region_id=person.region_id, recipient=person, visited_on=day, outcome=VisitOutcome.AT_HOME)


def village_of(township) -> str:
    return Region.objects.filter(parent=township).order_by("code").values_list("code", flat=True).first()


def test_generated_data_comes_with_its_rollups(regions):
    out = StringIO()
    call_command("generate", "--preset", "county", "--townships", "2", "--per-township", "30", "--years", "2",
                 "--end", "2025-12-31", stdout=out)
    assert "rollups rebuilt under 210381" in out.getvalue()
    a = regions["township_a"].code
    visits = Visit.objects.filter(region__code__startswith=a, visited_on__year=2025).count()
    assert visits > 0
    assert Tally.objects.filter(unit=a, year=2025, metric="visits").aggregate(n=Sum("value"))["n"] == visits
    registered_2025 = Recipient.objects.filter(region__code__startswith=COUNTY, created_at__year=2025).count()
    assert Tally.objects.filter(unit=COUNTY, year=2025, metric="registered").aggregate(n=Sum("value"))["n"] == registered_2025
    assert_true_to_records()


def test_the_demo_leaves_true_rollups(django_capture_on_commit_callbacks):
    """The demo sets registration dates with update() and categories with bulk_create: its
    rollups are recounted at the end, and nothing queued on commit spoils them."""
    with django_capture_on_commit_callbacks(execute=True):
        call_command("demo", "--no-serve", stdout=StringIO())
    assert Tally.objects.filter(unit=COUNTY, metric="registered").exists()
    assert_true_to_records()


@pytest.fixture
def english():
    from django.utils import translation

    with translation.override("en"):
        yield


def test_an_import_leaves_the_rollups_equal_to_a_recount(regions, people, english, django_capture_on_commit_callbacks):
    """New people (registered today) and a closed file reopened by the list (in service again in
    every year since it was registered) are counted as soon as the import is written."""
    officer = people["officer_a"]
    township = regions["township_a"].code
    with rollups.suspended():  # arranged, then recounted (a recount queued now would run outside the block below)
        reopened = make_recipient(village_of(regions["township_a"]), "甲", id_number=id_for(date(1950, 3, 4), 1), status="closed")
        registered(reopened, date(timezone.localdate().year - 3, 3, 1))
        StatusChange.objects.create(recipient=reopened, old_status="in_service", new_status="closed",
                                    changed_on=date(timezone.localdate().year - 2, 6, 1), reason="迁出")
        visit(reopened, date(timezone.localdate().year - 1, 5, 1))
    rollups.rebuild(COUNTY)
    assert_true_to_records()
    others_before = Tally.objects.filter(unit=township, metric="people_others").aggregate(n=Sum("value"))["n"] or 0

    rows = [wb.person("甲", date(1950, 3, 4), 1, relation="", head="", **{"现住址": ""}), *wb.family(seq=20)]
    batch = imports.create_batch(officer, wb.upload(wb.xlsx(rows), "名单.xlsx"), township, "import")
    batch = imports.check(batch)
    with django_capture_on_commit_callbacks(execute=True):
        written = imports.commit(officer, batch)
    assert written["created"] == 3 and written["updated"] == 1
    this_year = timezone.localdate().year
    assert Tally.objects.get(unit=township, year=this_year, month=timezone.localdate().month, metric="registered").value == 3
    # The reopened file counts again among the others of the years since it left.
    assert Tally.objects.filter(unit=township, metric="people_others").aggregate(n=Sum("value"))["n"] > others_before
    assert_true_to_records()


def test_a_merge_across_townships_leaves_the_rollups_equal_to_a_recount(regions, people, make_user,
                                                                        django_capture_on_commit_callbacks):
    """The absorbed file's visits, categories and status history move to the file kept, in
    another township: both townships are recounted for every year since the earlier registration."""
    year = timezone.localdate().year
    birth = date(1948, 2, 3)
    with rollups.suspended():  # arranged, then recounted
        kept = make_recipient(village_of(regions["township_a"]), "刘桂芳", id_number=id_for(birth, 2), categories=("dibao",))
        registered(kept, date(year - 2, 3, 1))
        absorbed = make_recipient(village_of(regions["township_b"]), "刘桂芳", birth_date=birth, categories=("tekun",))
        registered(absorbed, date(year - 3, 5, 1))
        visit(absorbed, date(year - 3, 7, 1))
        visit(absorbed, date(year - 1, 4, 1))
    candidate = DuplicateCandidate.objects.create(first=kept, second=absorbed, region_id=kept.region_id, reason="same_name_birth")
    rollups.rebuild(COUNTY)
    assert_true_to_records()
    b = regions["township_b"].code
    assert Tally.objects.filter(unit=b, year=year - 1, metric="visited_others").exists()

    office = make_user("township_officer", regions["county"], username="county_office")
    kept.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.merge(office, candidate, kept)
    assert not Tally.objects.filter(unit=b, year=year - 1, metric="visited_others").exists()
    assert Tally.objects.filter(unit=regions["township_a"].code, year=year - 1, metric="visited_others").exists()
    assert_true_to_records()
