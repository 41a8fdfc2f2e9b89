"""Activity pages and API: the phone form and its offline answers, list filters, counts against
the profile, export, edit conflicts (page and 409), scoping and query counts."""

import io
import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from shegong.casework import models as cw
from shegong.casework import services_activities as svc
from shegong.casework.tests.factories import make_activity, make_catalogue
from shegong.core.models import AuditEntry
from shegong.policies.models import PolicyProfile, PolicyVersion
from shegong.policies.presets import PRESETS
from shegong.recipients.tests.factories import make_recipient, village_of
from shegong.workforce.models import Volunteer, VolunteerService
from shegong.workforce.tests.factories import make_station

pytestmark = pytest.mark.django_db

DAY = date(2025, 10, 11)
OFFLINE = {"HTTP_X_SHEGONG_OFFLINE": "1"}


@pytest.fixture
def items(regions):
    profile = PolicyProfile.objects.create(name="海城市社工站购买服务", region=regions["county"], preset="haicheng")
    PolicyVersion.objects.create(profile=profile, number=1, valid_from=date(2024, 1, 1), values=PRESETS["haicheng"]["values"])
    return make_catalogue(profile, domains=(
        ("A", "养老服务", "must", (("A1", "敬老爱老活动"),)),
        ("B", "社会救助", "must", (("B1", "低保政策宣讲"),)),
    ))


@pytest.fixture
def village(regions):
    return village_of(regions["township_a"])


@pytest.fixture
def volunteer(regions, operator):
    return Volunteer.objects.create(station=make_station(regions["township_a"], operator), name="刘志愿")


def form_data(village, catalogue, volunteer=None, **extra):
    data = {
        "kind": "activity", "held_on": DAY.isoformat(), "title": "重阳节敬老活动", "place_region": village, "place": "村委会广场",
        "items": [catalogue[0].pk], "participant_count": "35", "description": "包饺子、量血压",
    }
    if volunteer is not None:
        data[f"volunteer_{volunteer.pk}"] = "3"
    data.update(extra)
    return data


def test_phone_form_has_chips_steppers_offline_marker_and_volunteers(people, items, volunteer, client_for):
    html = client_for(people["worker_a"]).get(reverse("casework:activity_create")).content.decode()
    assert 'data-offline="activity"' in html and 'name="client_uuid"' in html
    assert html.count('class="chip"') == 2 and 'data-step="1"' in html and 'data-step="-1"' in html
    assert f'name="volunteer_{volunteer.pk}"' in html and "刘志愿" in html
    assert 'type="radio" name="kind"' in html


def test_worker_records_an_activity_with_a_named_participant(people, village, items, volunteer, client_for):
    person = make_recipient(village, "赵大娘")
    client = client_for(people["worker_a"])
    response = client.post(reverse("casework:activity_create"), form_data(village, items, volunteer, participants=[person.pk]))
    activity = cw.Activity.objects.get()
    assert response.status_code == 302 and response.url == reverse("casework:activity_detail", args=[activity.pk])
    assert list(activity.participants.all()) == [person]
    assert VolunteerService.objects.get().hours == Decimal("3")
    page = client.get(response.url).content.decode()
    assert "赵大娘" in page and "刘志愿" in page and "包饺子" in page
    timeline = client.get(reverse("recipients:recipient_detail", args=[person.pk])).content.decode()
    assert "重阳节敬老活动" in timeline


def test_offline_submission_answers_json_and_never_records_twice(people, village, items, volunteer, client_for):
    client = client_for(people["worker_a"])
    data = form_data(village, items, volunteer, client_uuid=str(uuid.uuid4()))
    first = client.post(reverse("casework:activity_create"), data, **OFFLINE)
    assert first.status_code == 200 and first.json()["ok"] is True
    again = client.post(reverse("casework:activity_create"), data, **OFFLINE)
    assert again.json() == {**first.json(), "created": False}
    assert cw.Activity.objects.count() == 1 and VolunteerService.objects.count() == 1
    assert first.json()["url"] == reverse("casework:activity_detail", args=[cw.Activity.objects.get().pk])


def test_offline_errors_name_the_fields(people, village, items, client_for, english):
    client = client_for(people["worker_a"])
    answer = client.post(reverse("casework:activity_create"), form_data(village, items, participant_count="-3", items=[]), **OFFLINE)
    body = answer.json()
    assert answer.status_code == 400 and body["ok"] is False
    assert set(body["errors"]) >= {"participant_count", "items"}
    assert body["errors"]["participant_count"] == ["The number of participants cannot be negative."]
    future = client.post(reverse("casework:activity_create"), form_data(village, items, held_on="2999-01-01"), **OFFLINE).json()
    assert "held_on" in future["errors"]
    assert not cw.Activity.objects.exists()


def test_township_b_cannot_see_record_or_change(people, village, items, client_for, regions):
    activity = make_activity(village, people["worker_a"])
    client = client_for(people["worker_b"])
    for name in ("casework:activity_detail", "casework:activity_edit"):
        assert client.get(reverse(name, args=[activity.pk])).status_code == 404
    assert client.post(reverse("casework:activity_delete", args=[activity.pk])).status_code == 404
    response = client.post(reverse("casework:activity_create"), form_data(village, items))
    assert response.status_code == 200 and not cw.Activity.objects.filter(region_id=village).exclude(pk=activity.pk).exists()
    assert client_for(people["officer_a"]).get(reverse("casework:activity_create")).status_code == 404


def test_page_edit_conflict_and_delete(people, village, items, volunteer, client_for, english):
    worker, lead = people["worker_a"], people["station_lead"]
    activity, _ = svc.activity_create(actor=worker, kind="activity", region_code=village, title="防溺水安全教育", held_on=DAY,
                                      place="小学", items=[items[0]], participant_count=80, volunteers=[(volunteer, Decimal("2"))])
    url = reverse("casework:activity_edit", args=[activity.pk])
    data = {**form_data(village, items, volunteer), "title": "防溺水安全教育（一）", "version": 1}
    data.pop("place_region")
    assert client_for(lead).post(url, data).status_code == 302
    stale = client_for(worker).post(url, {**data, "title": "覆盖", f"volunteer_{volunteer.pk}": "8"})
    assert "Someone else saved this record" in stale.content.decode()
    assert cw.Activity.objects.get().title == "防溺水安全教育（一）"
    assert VolunteerService.objects.get().hours == Decimal("3")
    response = client_for(worker).post(reverse("casework:activity_delete", args=[activity.pk]))
    assert response.status_code == 302 and not cw.Activity.objects.exists() and not VolunteerService.objects.exists()


def test_list_filters_counts_and_export(people, village, items, client_for, regions, english):
    worker = people["worker_a"]
    elders = make_activity(village, worker, title="重阳节敬老", held_on=date(2025, 10, 11))
    elders.items.set([items[0]])
    talk = make_activity(village, worker, kind=cw.ActivityKind.PUBLICITY, title="低保政策宣讲", held_on=date(2025, 6, 1))
    talk.items.set([items[1]])
    make_activity(village_of(regions["township_b"]), people["worker_b"], title="乙镇活动", held_on=date(2025, 6, 1))
    client = client_for(people["officer_a"])
    url = reverse("casework:activity_list")
    def titles(params):
        html = client.get(url, params).content.decode()
        return {t for t in ("重阳节敬老", "低保政策宣讲", "乙镇活动") if f">{t}</a>" in html}, html

    shown, html = titles({"year": "2025"})
    assert shown == {"重阳节敬老", "低保政策宣讲"}
    assert 'data-testid="activity-counts"' in html and "海城市社工站购买服务" in html
    assert titles({"kind": "publicity"})[0] == {"低保政策宣讲"}
    assert titles({"topic": str(items[0].pk)})[0] == {"重阳节敬老"}
    assert titles({"held_from": "2025-05-01", "held_to": "2025-06-30"})[0] == {"低保政策宣讲"}
    export = client.get(url, {"format": "xlsx", "kind": "publicity"})
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("类型", "日期", "标题") and len(rows) == 2 and rows[1][2] == "低保政策宣讲"
    assert AuditEntry.objects.filter(action="casework.activity_export").exists()


def test_list_and_detail_query_counts_are_constant(people, village, items, volunteer, client_for, django_assert_max_num_queries):
    worker = people["worker_a"]

    def add(n):
        for i in range(n):
            svc.activity_create(actor=worker, kind="activity", region_code=village, title=f"活动{i}", held_on=DAY, place="村委会",
                                items=[items[0]], participant_count=10, participants=[make_recipient(village, f"参与{i}")],
                                volunteers=[(volunteer, Decimal("1"))])

    add(1)
    client = client_for(people["officer_a"])
    client.get(reverse("casework:activity_list"))
    with django_assert_max_num_queries(25) as first:
        client.get(reverse("casework:activity_list"))
    add(5)
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert client.get(reverse("casework:activity_list")).content.decode().count("data-activity=") == 6
    activity = cw.Activity.objects.first()
    with django_assert_max_num_queries(20):
        client.get(reverse("casework:activity_detail", args=[activity.pk]))


# --- API -------------------------------------------------------------------------------------


def test_api_create_is_idempotent_and_update_answers_409(people, village, items, volunteer, client_for):
    client = client_for(people["worker_a"])
    body = {
        "kind": "publicity", "region": village, "title": "殡葬改革政策宣传", "held_on": "2025-04-02", "place": "集市",
        "items": [items[1].pk], "participant_count": 120, "volunteers": [{"volunteer": volunteer.pk, "hours": "2.5"}],
        "client_uuid": str(uuid.uuid4()),
    }
    first = client.post("/api/v1/activities/", body, content_type="application/json")
    assert first.status_code == 201, first.json()
    again = client.post("/api/v1/activities/", body, content_type="application/json")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert cw.Activity.objects.count() == 1 and VolunteerService.objects.get().hours == Decimal("2.5")

    aid = first.json()["id"]
    update = {**body, "title": "殡葬改革政策宣传（赶集日）", "version": 1}
    update.pop("client_uuid")
    assert client.put(f"/api/v1/activities/{aid}/", update, content_type="application/json").status_code == 200
    stale = client.put(f"/api/v1/activities/{aid}/", {**update, "title": "覆盖"}, content_type="application/json")
    assert stale.status_code == 409 and stale["Content-Type"] == "application/problem+json"
    assert cw.Activity.objects.get().title == "殡葬改革政策宣传（赶集日）"


def test_api_bad_inputs_and_scoping(people, village, items, client_for, regions):
    client = client_for(people["worker_a"])
    base = {"kind": "activity", "region": village, "title": "x", "held_on": "2025-04-02", "place": "x", "items": [items[0].pk],
            "participant_count": 5}
    negative = client.post("/api/v1/activities/", {**base, "participant_count": -1}, content_type="application/json")
    assert negative.status_code == 400 and "participant_count" in negative.json()["errors"]
    no_topic = client.post("/api/v1/activities/", {**base, "items": []}, content_type="application/json")
    assert no_topic.status_code == 400 and "items" in no_topic.json()["errors"]
    other = PolicyProfile.objects.create(name="别处", region=regions["township_b"])
    foreign = make_catalogue(other, domains=(("Z", "别处领域", "", (("Z1", "别处服务"),)),))
    answer = client.post("/api/v1/activities/", {**base, "items": [foreign[0].pk]}, content_type="application/json")
    assert answer.status_code == 400 and "items" in answer.json()["errors"]
    activity = make_activity(village, people["worker_a"])
    client_b = client_for(people["worker_b"])
    assert client_b.get(f"/api/v1/activities/{activity.pk}/").status_code == 404
    assert client_b.delete(f"/api/v1/activities/{activity.pk}/").status_code == 404
    assert client_b.post("/api/v1/activities/", base, content_type="application/json").status_code == 403
    assert cw.Activity.objects.count() == 1
