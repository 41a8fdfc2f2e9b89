"""Needs assessments per household, the list of households due for one, and the needs list.

Given households in the villages of township A (and one in township B),
when social workers record assessments and needs, and officers read the lists,
then every member's file shows the assessment, the yearly due date follows, overdue or never
assessed households are listed in a constant number of queries, and the needs list counts open
needs per village and domain — all within the user's jurisdiction only.
"""

import io
import zipfile
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shegong.core.models import AuditEntry
from shegong.recipients import file_sections, services_needs
from shegong.recipients.models import NeedItem, NeedsAssessment, Recipient, TimelineEntry
from shegong.regions.models import Region

from .factories import id_for, make_assessment, make_household, make_recipient

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def villages(regions):
    """Two villages of township A and one of township B."""
    a = list(Region.objects.filter(parent=regions["township_a"]).order_by("code")[:2])
    b = Region.objects.filter(parent=regions["township_b"]).order_by("code").first()
    return {"a1": a[0], "a2": a[1], "b": b}


@pytest.fixture
def family(villages):
    """A household of three in village a1: the head, his wife, their grandson."""
    household = make_household(villages["a1"].code, head_name="王大山")
    head = make_recipient(villages["a1"].code, "王大山", household=household, relation="head",
                          id_number=id_for(date(1950, 5, 1), 11))
    household.head = head
    household.save()
    wife = make_recipient(villages["a1"].code, "李秀兰", household=household, relation="spouse")
    grandson = make_recipient(villages["a1"].code, "王小宝", household=household, relation="grandchild",
                              categories=("left_behind_child",))
    return {"household": household, "head": head, "wife": wife, "grandson": grandson}


def xlsx_text(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return b"".join(z.read(n) for n in z.namelist() if n.endswith(".xml")).decode()


def assessment_post(on, summary="", rows=(), extra=4):
    """The POST of the assessment form: ``rows`` of (domain, description, priority, person pk)."""
    data = {"assessed_on": on.isoformat(), "summary": summary, "needs-TOTAL_FORMS": str(max(extra, len(rows))),
            "needs-INITIAL_FORMS": "0", "needs-MIN_NUM_FORMS": "0", "needs-MAX_NUM_FORMS": "30"}
    for i in range(max(extra, len(rows))):
        domain, description, priority, person = rows[i] if i < len(rows) else ("", "", "medium", "")
        data |= {f"needs-{i}-domain": domain, f"needs-{i}-description": description,
                 f"needs-{i}-priority": priority, f"needs-{i}-recipient": str(person)}
    return data


class TestAssessment:
    def test_worker_records_an_assessment_with_needs_on_every_members_file(self, people, family, client_for):
        client = client_for(people["worker_a"])
        url = f"/recipients/households/{family['household'].pk}/assessments/new/"
        form = client.get(url)
        assert form.status_code == 200
        assert "王小宝" in form.content.decode()  # the person concerned is chosen among the members
        on = timezone.localdate() - timedelta(days=3)
        response = client.post(url, assessment_post(on, "两位老人身体较差，孙子留守", [
            ("health", "老人需要定期体检", "high", family["head"].pk),
            ("education", "孩子课后无人辅导", "medium", family["grandson"].pk),
            ("living", "冬季取暖困难", "low", ""),
        ]))
        assessment = NeedsAssessment.objects.get()
        assert response.status_code == 302 and response["Location"] == f"/recipients/assessments/{assessment.pk}/"
        assert assessment.next_due_on == on + timedelta(days=365)
        assert assessment.assessor == people["worker_a"]
        needs = {n.description: n for n in assessment.needs.all()}
        assert set(needs) == {"老人需要定期体检", "孩子课后无人辅导", "冬季取暖困难"}  # the empty row is skipped
        assert needs["老人需要定期体检"].recipient == family["head"] and needs["老人需要定期体检"].priority == "high"
        assert needs["冬季取暖困难"].recipient is None and needs["冬季取暖困难"].status == "open"
        assert {n.region_id for n in needs.values()} == {family["household"].region_id}
        for member in ("head", "wife", "grandson"):
            entry = TimelineEntry.objects.get(recipient=family[member], kind="assessment")
            assert entry.link == f"/recipients/assessments/{assessment.pk}/"
        audit_row = AuditEntry.objects.get(action="recipient.assessment_create")
        assert audit_row.region_code == family["household"].region_id and audit_row.detail["needs"] == 3
        page = client.get(f"/recipients/assessments/{assessment.pk}/").content.decode()
        assert "老人需要定期体检" in page and "王大山" in page and (on + timedelta(days=365)).isoformat() in page

    def test_the_person_concerned_must_be_a_member_of_the_household(self, people, family, villages, client_for):
        stranger = make_recipient(villages["a1"].code, "赵外人")
        client = client_for(people["worker_a"])
        url = f"/recipients/households/{family['household'].pk}/assessments/new/"
        response = client.post(url, assessment_post(timezone.localdate(), rows=[("health", "体检", "high", stranger.pk)]))
        assert response.status_code == 200
        assert response.context["formset"].forms[0].errors["recipient"]
        with pytest.raises(Exception, match="member of the household"):
            services_needs.create_assessment(
                people["worker_a"], family["household"], assessed_on=timezone.localdate(),
                needs=[services_needs.NeedInput(domain="health", description="体检", recipient=stranger)],
            )
        assert not NeedsAssessment.objects.exists()

    def test_bad_input_gets_a_clear_error(self, people, family, client_for):
        client = client_for(people["worker_a"])
        url = f"/recipients/households/{family['household'].pk}/assessments/new/"
        future = client.post(url, assessment_post(timezone.localdate() + timedelta(days=1), "入户"))
        assert "future" in str(future.context["form"].errors["assessed_on"])
        empty = client.post(url, assessment_post(timezone.localdate()))
        assert "at least one need" in str(empty.context["form"].errors["summary"])
        half_row = client.post(url, assessment_post(timezone.localdate(), rows=[("health", "", "medium", "")]))
        assert half_row.context["formset"].forms[0].errors["description"]
        assert not NeedsAssessment.objects.exists()

    def test_readers_and_other_townships_cannot_record(self, people, family, client_for):
        url = f"/recipients/households/{family['household'].pk}/assessments/new/"
        for who in ("county_bureau", "worker_b", "officer_b"):
            assert client_for(people[who]).get(url).status_code == 404, who
        assert client_for(people["county_bureau"]).get(f"/recipients/households/{family['household'].pk}/assessments/").status_code == 200

    def test_need_status_update(self, people, family, client_for):
        assessment = make_assessment(family["household"], on=date(2026, 3, 1))
        need = assessment.needs.get()
        need.recipient = family["head"]
        need.save()
        client = client_for(people["worker_a"])
        assert client.get(f"/recipients/needs/{need.pk}/").status_code == 405
        response = client.post(f"/recipients/needs/{need.pk}/", {"status": "met", "on": "2026-04-02"})
        assert response.status_code == 302 and response["Location"] == f"/recipients/assessments/{assessment.pk}/"
        need.refresh_from_db()
        assert need.status == "met" and need.resolved_on == date(2026, 4, 2)
        assert TimelineEntry.objects.filter(recipient=family["head"], kind="need").exists()
        assert AuditEntry.objects.filter(action="recipient.need_update", object_id=str(need.pk)).exists()
        client.post(f"/recipients/needs/{need.pk}/", {"status": "open"})
        need.refresh_from_db()
        assert need.status == "open" and need.resolved_on is None
        assert client_for(people["county_bureau"]).post(f"/recipients/needs/{need.pk}/", {"status": "met"}).status_code == 404


class TestAssessmentsDue:
    @pytest.fixture
    def households(self, villages):
        today = timezone.localdate()
        v1, v2 = villages["a1"].code, villages["a2"].code

        def household(name, village, *statuses, assessed_days_ago=None):
            h = make_household(village, head_name=name)
            for i, status in enumerate(statuses):
                make_recipient(village, f"{name}{i}", household=h, status=status)
            if assessed_days_ago is not None:
                make_assessment(h, on=today - timedelta(days=assessed_days_ago))
            return h

        return {
            "overdue": household("逾期户", v1, "in_service", "closed", assessed_days_ago=400),
            "never": household("未评户", v2, "new"),
            "current": household("新评户", v1, "in_service", assessed_days_ago=100),
            "closed": household("结案户", v1, "closed", "deceased", assessed_days_ago=500),
            "renewed": _renewed(v1, today),
        }

    def test_overdue_and_never_assessed_households_with_active_members(self, people, households, client_for):
        client = client_for(people["officer_a"])
        response = client.get("/recipients/assessments/due/")
        listed = {h.head_name: h for h in response.context["page"].object_list}
        assert set(listed) == {"逾期户", "未评户"}
        assert listed["逾期户"].overdue_days == 35 and listed["逾期户"].active_members == 1
        assert listed["未评户"].due_on is None and listed["未评户"].overdue_days is None
        assert [h.head_name for h in response.context["page"].object_list] == ["未评户", "逾期户"]  # never assessed first
        page = response.content.decode()
        assert "逾期户" in page and "结案户" not in page and "新评户" not in page

    def test_filter_by_village_and_jurisdiction(self, people, households, villages, client_for):
        page = client_for(people["officer_a"]).get(f"/recipients/assessments/due/?place={villages['a2'].code}")
        assert [h.head_name for h in page.context["page"].object_list] == ["未评户"]
        assert not client_for(people["officer_b"]).get("/recipients/assessments/due/").context["page"].object_list
        county = client_for(people["county_bureau"]).get("/recipients/assessments/due/")
        assert {h.head_name for h in county.context["page"].object_list} == {"逾期户", "未评户"}

    def test_export_is_audited(self, people, households, client_for):
        response = client_for(people["officer_a"]).get("/recipients/assessments/due/?format=xlsx")
        text = xlsx_text(response.content)
        assert "逾期户" in text and "未评户" in text and "结案户" not in text
        assert AuditEntry.objects.get(action="recipient.assessments_due_export").detail["rows"] == 2

    def test_constant_query_count(self, people, villages, client_for):
        client = client_for(people["officer_a"])
        today = timezone.localdate()

        def add(n, start):
            for i in range(start, start + n):
                h = make_household(villages["a1"].code, head_name=f"户{i}")
                make_recipient(villages["a1"].code, f"人{i}", household=h, status="in_service")
                make_assessment(h, on=today - timedelta(days=400 + i))
                make_assessment(h, on=today - timedelta(days=800 + i))

        add(3, 0)
        client.get("/recipients/assessments/due/")
        with CaptureQueriesContext(connection) as few:
            assert client.get("/recipients/assessments/due/").status_code == 200
        add(27, 3)
        with CaptureQueriesContext(connection) as many:
            response = client.get("/recipients/assessments/due/")
        assert len(response.context["page"].object_list) == 30
        assert len(many.captured_queries) == len(few.captured_queries)


def _renewed(village, today):
    """A household assessed long ago and again recently: its latest assessment counts."""
    h = make_household(village, head_name="复评户")
    make_recipient(village, "复评户0", household=h, status="in_service")
    make_assessment(h, on=today - timedelta(days=700))
    make_assessment(h, on=today - timedelta(days=10))
    return h


class TestNeedsList:
    @pytest.fixture
    def needs(self, villages):
        """Village a1: 2 health + 1 education open, 1 met; village a2: 1 health referred; B: 1 health."""
        def assess(village, head, needs):
            h = make_household(village.code, head_name=head)
            person = make_recipient(village.code, f"{head}本人", household=h)
            a = make_assessment(h, needs=())
            for domain, text, status in needs:
                NeedItem.objects.create(assessment=a, domain=domain, description=text, status=status, recipient=person,
                                        priority="high" if domain == "health" else "medium")
            return a

        assess(villages["a1"], "甲一户", [("health", "慢病用药", "open"), ("education", "课业辅导", "open"),
                                          ("care", "已解决的照料", "met")])
        assess(villages["a1"], "甲二户", [("health", "康复训练", "open")])
        assess(villages["a2"], "甲三户", [("health", "助听器", "referred")])
        assess(villages["b"], "乙一户", [("health", "乙镇的需要", "open")])

    def test_counts_per_village_and_domain(self, people, needs, villages, client_for):
        response = client_for(people["worker_a"]).get("/recipients/needs/")
        summary = response.context["summary"]
        assert [d.value for d in summary["domains"]] == ["health", "education"]
        rows = {r["name"]: r["cells"] for r in summary["rows"]}
        assert rows == {villages["a1"].name: [2, 1], villages["a2"].name: [1, 0]}
        assert summary["totals"] == [3, 1] and summary["total"] == 4
        page = response.content.decode()
        assert "慢病用药" in page and "甲一户本人" in page and "助听器" in page
        assert "已解决的照料" not in page and "乙镇的需要" not in page

    def test_county_sees_townships_then_villages(self, people, needs, regions, villages, client_for):
        client = client_for(people["county_bureau"])
        summary = client.get("/recipients/needs/").context["summary"]
        assert {r["code"]: r["total"] for r in summary["rows"]} == {regions["township_a"].code: 4, regions["township_b"].code: 1}
        summary = client.get(f"/recipients/needs/?place={regions['township_a'].code}").context["summary"]
        assert {r["code"] for r in summary["rows"]} == {villages["a1"].code, villages["a2"].code}

    def test_filters(self, people, needs, villages, client_for):
        client = client_for(people["officer_a"])

        def listed(query):
            return {n.description for n in client.get(f"/recipients/needs/?{query}").context["page"].object_list}

        assert listed("domain=health") == {"慢病用药", "康复训练", "助听器"}
        assert listed("status=referred") == {"助听器"}
        assert listed("priority=medium") == {"课业辅导"}
        assert listed(f"place={villages['a2'].code}") == {"助听器"}
        assert listed(f"place={villages['b'].code}") == set()  # another township's village is no choice

    def test_export_is_audited_and_holds_no_id_numbers(self, people, needs, client_for):
        person = Recipient.objects.get(name="甲一户本人")
        person.id_masked = "210381********0011"
        person.save()
        response = client_for(people["officer_a"]).get("/recipients/needs/?domain=health&format=xlsx")
        text = xlsx_text(response.content)
        assert "慢病用药" in text and "甲一户本人" in text and "课业辅导" not in text and "乙镇的需要" not in text
        assert "0011" not in text
        row = AuditEntry.objects.get(action="recipient.needs_export")
        assert row.detail["filters"] == {"domain": "health"} and row.detail["rows"] == 3

    def test_constant_query_count(self, people, villages, client_for):
        client = client_for(people["officer_a"])

        def add(start, n):
            for i in range(start, start + n):
                h = make_household(villages["a1"].code, head_name=f"户{i}")
                person = make_recipient(villages["a1"].code, f"人{i}", household=h)
                a = make_assessment(h, needs=())
                NeedItem.objects.create(assessment=a, domain="health", description=f"需要{i}", recipient=person)

        add(0, 3)
        client.get("/recipients/needs/")
        with CaptureQueriesContext(connection) as few:
            client.get("/recipients/needs/")
        add(3, 27)
        with CaptureQueriesContext(connection) as many:
            page = client.get("/recipients/needs/").content.decode()
        assert "需要29" in page
        assert len(many.captured_queries) == len(few.captured_queries)


class TestFileSection:
    def test_needs_section_shows_the_latest_assessment_with_its_due_date(self, people, family, rf):
        request = rf.get("/")
        request.user = people["worker_a"]
        today = timezone.localdate()
        make_assessment(family["household"], on=today - timedelta(days=800), needs=(("health", "旧的需要"),))
        make_assessment(family["household"], on=today - timedelta(days=400), needs=(("care", "照料"), ("living", "取暖")))
        context = file_sections.needs_section(request, family["wife"])["needs_section"]
        assert {n.description for n in context["needs"]} == {"照料", "取暖"}
        assert context["overdue"] and context["days_overdue"] == 35 and context["can_change"]
        reader = rf.get("/")
        reader.user = people["county_bureau"]
        assert not file_sections.needs_section(reader, family["wife"])["needs_section"]["can_change"]

    def test_needs_section_costs_the_same_for_few_or_many_needs(self, people, family, rf, django_assert_num_queries):
        request = rf.get("/")
        request.user = people["worker_a"]
        file_sections.needs_section(request, family["head"])  # reads the user's assignments once
        make_assessment(family["household"], needs=(("health", "一"),))
        with django_assert_num_queries(2):
            file_sections.needs_section(request, family["head"])
        make_assessment(family["household"], on=date(2026, 6, 1), needs=[("care", f"需要{i}") for i in range(20)])
        with django_assert_num_queries(2):
            assert len(file_sections.needs_section(request, family["head"])["needs_section"]["needs"]) == 20

    def test_the_file_page_shows_the_needs_section(self, people, family, client_for):
        make_assessment(family["household"], on=timezone.localdate() - timedelta(days=30), needs=(("health", "定期体检"),))
        page = client_for(people["worker_a"]).get(f"/recipients/{family['wife'].pk}/").content.decode()
        assert 'data-testid="file-needs"' in page and "定期体检" in page
        assert f"/recipients/households/{family['household'].pk}/assessments/new/" in page

    def test_a_household_never_assessed_says_so(self, people, family, client_for):
        page = client_for(people["county_bureau"]).get(f"/recipients/{family['head'].pk}/").content.decode()
        assert 'data-testid="file-needs"' in page
        assert f"/recipients/households/{family['household'].pk}/assessments/new/" not in page  # a reader


class TestDetailQueryCounts:
    def test_assessment_page_costs_the_same_for_few_or_many_needs(self, people, family, client_for):
        from shegong.recipients.models import Referral

        client = client_for(people["worker_a"])
        assessment = make_assessment(family["household"], needs=(("health", "一"),))

        def add(n):
            for i in range(n):
                need = NeedItem.objects.create(assessment=assessment, domain="care", description=f"需要{i}", recipient=family["wife"])
                Referral.objects.create(recipient=family["wife"], need=need, agency=f"机构{i}", reason="x", referred_on=date(2026, 4, 1))

        url = f"/recipients/assessments/{assessment.pk}/"
        add(2)
        client.get(url)
        with CaptureQueriesContext(connection) as few:
            client.get(url)
        add(20)
        with CaptureQueriesContext(connection) as many:
            page = client.get(url).content.decode()
        assert "机构19" in page
        assert len(many.captured_queries) == len(few.captured_queries)

    def test_household_history_costs_the_same_for_few_or_many_assessments(self, people, family, client_for):
        client = client_for(people["officer_a"])
        url = f"/recipients/households/{family['household'].pk}/assessments/"
        make_assessment(family["household"], on=date(2020, 1, 1))
        client.get(url)
        with CaptureQueriesContext(connection) as few:
            client.get(url)
        for year in range(2001, 2020):
            make_assessment(family["household"], on=date(year, 1, 1))
        with CaptureQueriesContext(connection) as many:
            response = client.get(url)
        assert len(response.context["page"].object_list) == 20
        assert len(many.captured_queries) == len(few.captured_queries)
