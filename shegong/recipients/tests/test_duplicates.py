"""The duplicate review queue: two files that may be the same person, decided by a person.

Given two files of the same name and birth date in township A (one without an ID number),
when the township office or the station lead compares and merges them (or dismisses the pair),
then the file kept holds the full history of both, the other points to it and leaves the lists;
a social worker cannot decide, and pairs outside the jurisdiction are a 404.
"""

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shegong.core.models import AuditEntry
from shegong.recipients import services, services_needs
from shegong.recipients.models import DuplicateCandidate, NeedItem, Recipient, Referral, StatusChange, TimelineEntry
from shegong.regions.models import Region

from .factories import id_for, make_assessment, make_household, make_recipient

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

BIRTH = date(1948, 2, 3)
FULL_ID = id_for(BIRTH, 2)


@pytest.fixture
def village(regions):
    return Region.objects.filter(parent=regions["township_a"]).order_by("code").first()


@pytest.fixture
def pair(people, village):
    """The same woman registered twice: once with her ID number, once (by another worker) without."""
    worker = people["worker_a"]
    household = make_household(village.code, head_name="刘桂芳")
    with_id = services.register(worker, name="刘桂芳", region_code=village.code, id_number=FULL_ID, categories=["dibao"],
                                household=household, relation="head", on=date(2025, 1, 10))
    without_id = services.register(worker, name="刘桂芳", region_code=village.code, birth_date=BIRTH,
                                   categories=["tekun", "disabled"], phone="13912345678", on=date(2025, 6, 1))
    return {"with_id": with_id, "without_id": without_id, "household": household,
            "candidate": DuplicateCandidate.objects.get()}


class TestDetection:
    def test_same_name_and_birth_date_one_without_id_is_queued(self, people, pair, client_for):
        candidate = pair["candidate"]
        assert {candidate.first, candidate.second} == {pair["with_id"], pair["without_id"]}
        assert candidate.reason == "same_name_birth" and candidate.status == "open"
        page = client_for(people["officer_a"]).get("/recipients/duplicates/").content.decode()
        assert f'data-pair="{candidate.pk}"' in page and page.count("刘桂芳") >= 2
        assert pair["with_id"].id_masked in page and FULL_ID not in page
        assert "1948-02-03" in page

    def test_the_two_files_side_by_side_show_masked_values_only(self, people, pair, client_for):
        response = client_for(people["officer_a"]).get(f"/recipients/duplicates/{pair['candidate'].pk}/")
        page = response.content.decode()
        assert pair["with_id"].id_masked in page and FULL_ID not in page
        assert "139****5678" in page and "13912345678" not in page
        assert "特困" in page and "低保" in page  # the categories of each file
        assert f'action="/recipients/duplicates/{pair["candidate"].pk}/merge/"' in page

    def test_filter_open_or_decided(self, people, pair, client_for):
        client = client_for(people["officer_a"])
        services.dismiss_duplicate(people["officer_a"], pair["candidate"])
        assert not client.get("/recipients/duplicates/").context["page"].object_list
        assert list(client.get("/recipients/duplicates/?state=decided").context["page"].object_list) == [pair["candidate"]]

    def test_constant_query_count(self, people, village, client_for):
        client = client_for(people["officer_a"])

        def add(start, n):
            for i in range(start, start + n):
                a = make_recipient(village.code, f"重名{i}", birth_date=BIRTH)
                b = make_recipient(village.code, f"重名{i}", birth_date=BIRTH)
                DuplicateCandidate.objects.create(first=a, second=b, region_id=village.code, reason="same_name_birth")

        add(0, 3)
        client.get("/recipients/duplicates/")
        with CaptureQueriesContext(connection) as few:
            client.get("/recipients/duplicates/")
        add(3, 27)
        with CaptureQueriesContext(connection) as many:
            page = client.get("/recipients/duplicates/").content.decode()
        assert "重名29" in page
        assert len(many.captured_queries) == len(few.captured_queries)


class TestMerge:
    def test_merge_keeps_the_full_history_of_both_files(self, people, pair, village, client_for):
        kept, absorbed = pair["with_id"], pair["without_id"]
        services.change_status(people["worker_a"], absorbed, "in_service", on=date(2025, 7, 1))
        assessment = make_assessment(pair["household"], on=date(2026, 2, 1), needs=(("health", "康复"),))
        need = assessment.needs.get()
        need.recipient = absorbed
        need.save()
        referral = services_needs.create_referral(people["worker_a"], absorbed, agency="市残联", need=need, reason="辅具",
                                                  referred_on=date(2026, 2, 2))
        timeline_before = TimelineEntry.objects.filter(recipient__in=[kept, absorbed]).count()
        status_before = StatusChange.objects.filter(recipient__in=[kept, absorbed]).count()

        client = client_for(people["station_lead"])
        response = client.post(f"/recipients/duplicates/{pair['candidate'].pk}/merge/", {"keep": kept.pk})
        assert response.status_code == 302 and response["Location"] == "/recipients/duplicates/"

        absorbed.refresh_from_db()
        kept.refresh_from_db()
        assert absorbed.merged_into == kept
        assert sorted(m.category for m in kept.categories.all()) == ["dibao", "disabled", "tekun"]
        assert StatusChange.objects.filter(recipient=kept).count() == status_before
        assert TimelineEntry.objects.filter(recipient=kept).count() == timeline_before + 1  # + the merge line
        assert not TimelineEntry.objects.filter(recipient=absorbed).exists()
        assert Referral.objects.get(pk=referral.pk).recipient == kept
        assert NeedItem.objects.get(pk=need.pk).recipient == kept
        assert kept.phone_masked == "139****5678"  # a value only the absorbed file had
        pair["candidate"].refresh_from_db()
        assert pair["candidate"].status == "merged" and pair["candidate"].decided_by == people["station_lead"]
        assert AuditEntry.objects.get(action="recipient.merge").detail == {"absorbed": absorbed.pk}

        listing = client.get("/recipients/").content.decode()
        assert f"/recipients/{kept.pk}/" in listing and f"/recipients/{absorbed.pk}/" not in listing
        assert not client.get("/recipients/duplicates/").context["page"].object_list
        referrals = client.get(f"/recipients/{kept.pk}/").content.decode()
        assert "辅具" in referrals  # the absorbed file's referral shows on the file kept

    def test_different_id_numbers_are_refused_with_a_clear_message(self, people, village, client_for):
        a = make_recipient(village.code, "张玉珍", id_number=id_for(BIRTH, 4))
        b = make_recipient(village.code, "张玉珍", id_number=id_for(BIRTH, 6))
        candidate = DuplicateCandidate.objects.create(first=a, second=b, region_id=village.code, reason="same_name_birth")
        client = client_for(people["officer_a"])
        detail = client.get(f"/recipients/duplicates/{candidate.pk}/").content.decode()
        assert 'class="warn"' in detail
        response = client.post(f"/recipients/duplicates/{candidate.pk}/merge/", {"keep": a.pk}, follow=True)
        messages = [str(m) for m in response.context["messages"]]
        assert any("different ID numbers" in m for m in messages)
        b.refresh_from_db()
        assert b.merged_into is None
        candidate.refresh_from_db()
        assert candidate.status == "open"

    def test_the_file_kept_must_be_chosen(self, people, pair, client_for):
        client = client_for(people["officer_a"])
        response = client.post(f"/recipients/duplicates/{pair['candidate'].pk}/merge/", {"keep": "999999"}, follow=True)
        assert any("Choose the file to keep" in str(m) for m in response.context["messages"])
        assert not Recipient.objects.filter(merged_into__isnull=False).exists()

    def test_a_decided_pair_cannot_be_decided_again(self, people, pair, client_for):
        client = client_for(people["officer_a"])
        client.post(f"/recipients/duplicates/{pair['candidate'].pk}/dismiss/")
        response = client.post(f"/recipients/duplicates/{pair['candidate'].pk}/merge/", {"keep": pair["with_id"].pk}, follow=True)
        assert any("already been decided" in str(m) for m in response.context["messages"])
        assert not Recipient.objects.filter(merged_into__isnull=False).exists()


class TestDismiss:
    def test_dismiss_records_two_people(self, people, pair, client_for):
        client = client_for(people["officer_a"])
        response = client.post(f"/recipients/duplicates/{pair['candidate'].pk}/dismiss/")
        assert response.status_code == 302
        pair["candidate"].refresh_from_db()
        assert pair["candidate"].status == "dismissed" and pair["candidate"].decided_by == people["officer_a"]
        assert AuditEntry.objects.filter(action="recipient.duplicate_dismiss").exists()
        assert not Recipient.objects.filter(merged_into__isnull=False).exists()


class TestWhoDecides:
    def test_a_worker_sees_the_pair_but_cannot_decide(self, people, pair, client_for):
        client = client_for(people["worker_a"])
        detail = client.get(f"/recipients/duplicates/{pair['candidate'].pk}/")
        assert detail.status_code == 200
        assert not re.search(r'action="[^"]*/(merge|dismiss)/"', detail.content.decode())  # no buttons
        merge = client.post(f"/recipients/duplicates/{pair['candidate'].pk}/merge/", {"keep": pair["with_id"].pk})
        dismiss = client.post(f"/recipients/duplicates/{pair['candidate'].pk}/dismiss/")
        assert merge.status_code == dismiss.status_code == 403
        pair["candidate"].refresh_from_db()
        assert pair["candidate"].status == "open"
        assert not Recipient.objects.filter(merged_into__isnull=False).exists()

    def test_pairs_outside_the_jurisdiction_are_404(self, people, pair, client_for):
        for who in ("officer_b", "worker_b", "evaluator"):
            client = client_for(people[who])
            assert client.get(f"/recipients/duplicates/{pair['candidate'].pk}/").status_code == 404, who
            assert client.post(f"/recipients/duplicates/{pair['candidate'].pk}/merge/", {"keep": pair["with_id"].pk}).status_code == 404
            assert client.post(f"/recipients/duplicates/{pair['candidate'].pk}/dismiss/").status_code == 404
            assert not client.get("/recipients/duplicates/").context["page"].object_list
        pair["candidate"].refresh_from_db()
        assert pair["candidate"].status == "open"

    def test_a_pair_across_townships_is_hidden_from_each_township(self, people, regions, village, client_for):
        village_b = Region.objects.filter(parent=regions["township_b"]).order_by("code").first()
        a = make_recipient(village.code, "周凤英", birth_date=BIRTH)
        b = make_recipient(village_b.code, "周凤英", birth_date=BIRTH)
        candidate = DuplicateCandidate.objects.create(first=a, second=b, region_id=village.code, reason="same_name_birth")
        assert client_for(people["officer_a"]).get(f"/recipients/duplicates/{candidate.pk}/").status_code == 404
        county = client_for(people["county_bureau"]).get(f"/recipients/duplicates/{candidate.pk}/")
        assert county.status_code == 200 and not county.context["may_decide"]


def test_pair_page_costs_the_same_for_short_or_long_files(people, pair, client_for):
    client = client_for(people["officer_a"])
    url = f"/recipients/duplicates/{pair['candidate'].pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(20):
        services.add_to_timeline(pair["without_id"], "note", f"记录{i}")
        services.change_status(people["worker_a"], pair["without_id"], "in_service" if i % 2 == 0 else "new")
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    counts = {side["person"].pk: side["person"].timeline_count for side in response.context["sides"]}
    assert counts[pair["without_id"].pk] == 1 + 20 + 20  # registered, 20 notes, 20 status changes
    assert len(many.captured_queries) == len(few.captured_queries)
