"""Group pages and API: a worker forms a group, adds members, records sessions with attendance;
the page and the API show the validity with its reasons; a stale edit is refused (page and 409);
township B sees nothing; list pages cost a constant number of queries."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from shegong.casework import models as cw
from shegong.casework import services_groups as svc
from shegong.casework.tests.factories import make_catalogue, make_group
from shegong.policies.models import PolicyProfile, PolicyVersion
from shegong.policies.presets import PRESETS
from shegong.recipients.tests.factories import make_recipient, village_of

pytestmark = pytest.mark.django_db

START = date(2025, 3, 3)


@pytest.fixture
def items(regions):
    profile = PolicyProfile.objects.create(name="海城市社工站购买服务", region=regions["county"], preset="haicheng")
    PolicyVersion.objects.create(profile=profile, number=1, valid_from=date(2024, 1, 1), values=PRESETS["haicheng"]["values"])
    return make_catalogue(profile)


@pytest.fixture
def village(regions):
    return village_of(regions["township_a"])


@pytest.fixture
def group(people, village, items):
    return svc.group_create(actor=people["worker_a"], region_code=village, name="老年人互助小组", goal="增进邻里互助",
                            starts_on=START, leader=people["worker_a"], items=[items[0]])


def full_group(group, worker, village, members=6, sessions=4):
    added = [svc.member_add(actor=worker, group=group, joined_on=START, recipient=make_recipient(village, f"组员{i}"))
             for i in range(members)]
    for i in range(sessions):
        svc.session_add(actor=worker, group=group, held_on=START + timedelta(days=7 * (i + 1)), topic=f"第{i + 1}次",
                        present=[m.pk for m in added])
    return added


# --- Pages -----------------------------------------------------------------------------------


def test_worker_forms_a_group_adds_members_and_records_a_session(people, village, items, client_for, english):
    worker = people["worker_a"]
    client = client_for(worker)
    page = client.get(reverse("casework:group_create"))
    assert page.status_code == 200
    assert items[0].name in page.content.decode()
    response = client.post(reverse("casework:group_create"), {
        "place": village, "name": "留守儿童成长小组", "goal": "提升自信", "leader": worker.pk, "starts_on": "2025-03-03",
        "status": "planned", "items": [items[0].pk],
    })
    group = cw.Group.objects.get(name="留守儿童成长小组")
    assert response.status_code == 302 and response.url == reverse("casework:group_detail", args=[group.pk])

    child = make_recipient(village, "小明")
    response = client.post(reverse("casework:group_member_add", args=[group.pk]), {"recipient": child.pk, "joined_on": "2025-03-03"})
    assert response.status_code == 302
    client.post(reverse("casework:group_member_add", args=[group.pk]), {"name": "邻居小红", "joined_on": "2025-03-03"})
    members = {str(m): m for m in group.members.all()}
    assert set(members) == {"小明", "邻居小红"}

    response = client.post(reverse("casework:session_create", args=[group.pk]), {
        "held_on": "2025-03-10", "topic": "相识", "record": "破冰游戏", "present": [members["小明"].pk],
    })
    session = group.sessions.get()
    assert response.status_code == 302 and session.number == 1
    assert {a.member_id: a.present for a in session.attendance.all()} == {members["小明"].pk: True, members["邻居小红"].pk: False}

    detail = client.get(reverse("casework:group_detail", args=[group.pk])).content.decode()
    assert "This group is not valid" in detail
    assert "only 2 members; the profile 海城市社工站购买服务 requires at least 6" in detail
    assert "only 1 sessions held" in detail
    session_page = client.get(reverse("casework:session_detail", args=[session.pk])).content.decode()
    assert "破冰游戏" in session_page and "小明" in session_page


def test_session_form_offers_one_tick_per_member_and_an_all_present_button(group, people, village, client_for, english):
    worker = people["worker_a"]
    full_group(group, worker, village, members=3, sessions=0)
    html = client_for(worker).get(reverse("casework:session_create", args=[group.pk])).content.decode()
    assert html.count('name="present"') == 3
    assert 'data-check-all="present"' in html and "Everyone was there" in html


def test_valid_group_shows_green_and_list_column(group, people, village, client_for, english):
    full_group(group, people["worker_a"], village)
    client = client_for(people["officer_a"])
    assert "This group is valid" in client.get(reverse("casework:group_detail", args=[group.pk])).content.decode()
    listing = client.get(reverse("casework:group_list")).content.decode()
    assert "老年人互助小组" in listing and ">valid<" in listing


def test_page_edit_conflict_keeps_the_first_save(group, people, client_for, english):
    worker = people["worker_a"]
    lead = people["station_lead"]
    url = reverse("casework:group_edit", args=[group.pk])
    fields = {"name": "改名一", "goal": "x", "leader": worker.pk, "starts_on": "2025-03-03", "status": "running", "version": 1}
    assert client_for(lead).post(url, fields).status_code == 302
    response = client_for(worker).post(url, {**fields, "name": "改名二"})
    assert response.status_code == 200
    assert "Someone else saved this record" in response.content.decode()
    assert cw.Group.objects.get(pk=group.pk).name == "改名一"


def test_session_page_edit_conflict(group, people, village, client_for, english):
    worker = people["worker_a"]
    full_group(group, worker, village, members=1, sessions=1)
    session = group.sessions.get()
    url = reverse("casework:session_edit", args=[session.pk])
    fields = {"held_on": "2025-03-10", "topic": "第一次", "record": "first", "version": 1}
    assert client_for(worker).post(url, fields).status_code == 302
    response = client_for(people["station_lead"]).post(url, {**fields, "record": "second"})
    assert "Someone else saved this record" in response.content.decode()
    assert cw.GroupSession.objects.get(pk=session.pk).record == "first"


def test_person_search_finds_only_people_within_reach(people, village, regions, client_for):
    make_recipient(village, "王秀英")
    make_recipient(village_of(regions["township_b"]), "王秀兰")
    client = client_for(people["worker_a"])
    html = client.get(reverse("casework:person_search"), {"q": "王秀"}).content.decode()
    assert "王秀英" in html and "王秀兰" not in html
    assert "王秀英" in client.get(reverse("casework:person_search"), {"q": "wxy"}).content.decode()
    assert "王秀英" not in client.get(reverse("casework:person_search"), {"q": "210381199001011234"}).content.decode()


def test_township_b_gets_404_and_cannot_post(group, people, client_for):
    client = client_for(people["worker_b"])
    assert client.get(reverse("casework:group_detail", args=[group.pk])).status_code == 404
    assert client.post(reverse("casework:group_member_add", args=[group.pk]), {"name": "x", "joined_on": "2025-03-03"}).status_code == 404
    assert client.get(reverse("casework:session_create", args=[group.pk])).status_code == 404
    assert not group.members.exists()
    # The township officer reads the group but has no create page.
    officer = client_for(people["officer_a"])
    assert officer.get(reverse("casework:group_detail", args=[group.pk])).status_code == 200
    assert officer.get(reverse("casework:group_create")).status_code == 404
    assert officer.get(reverse("casework:group_edit", args=[group.pk])).status_code == 404


def test_list_and_detail_queries_do_not_grow(group, people, village, client_for, django_assert_max_num_queries):
    worker = people["worker_a"]
    full_group(group, worker, village, members=3, sessions=2)
    client = client_for(people["officer_a"])
    client.get(reverse("casework:group_list"))  # warm caches (content types, sessions)
    with django_assert_max_num_queries(18) as first:
        client.get(reverse("casework:group_list"))
    for i in range(4):
        extra = make_group(village, worker, name=f"小组{i}", starts_on=START)
        full_group(extra, worker, village, members=4, sessions=3)
    with django_assert_max_num_queries(len(first.captured_queries)):
        response = client.get(reverse("casework:group_list"))
    assert response.content.decode().count("data-group=") == 5
    with django_assert_max_num_queries(18) as detail:
        client.get(reverse("casework:group_detail", args=[group.pk]))
    for _i in range(3):
        svc.member_add(actor=worker, group=group, joined_on=START, name="又来一位")
    with django_assert_max_num_queries(len(detail.captured_queries)):
        client.get(reverse("casework:group_detail", args=[group.pk]))


# --- API -------------------------------------------------------------------------------------


def test_api_group_lifecycle_with_validity_and_409(people, village, items, client_for, english):
    worker = people["worker_a"]
    client = client_for(worker)
    response = client.post("/api/v1/groups/", {
        "region": village, "name": "残疾人互助小组", "goal": "互助", "starts_on": "2025-03-03", "leader": worker.pk,
        "items": [items[0].pk],
    }, content_type="application/json")
    assert response.status_code == 201, response.json()
    group = response.json()
    assert group["validity"]["valid"] is False
    gid = group["id"]
    member_ids = []
    for i in range(6):
        person = make_recipient(village, f"成员{i}")
        answer = client.post(f"/api/v1/groups/{gid}/members/", {"recipient": person.pk, "joined_on": "2025-03-03"},
                             content_type="application/json")
        assert answer.status_code == 201
        member_ids.append(answer.json()["id"])
    for week in range(1, 5):
        answer = client.post(f"/api/v1/groups/{gid}/sessions/", {
            "held_on": str(START + timedelta(days=7 * week)), "topic": f"第{week}次", "present": member_ids[:4],
        }, content_type="application/json")
        assert answer.status_code == 201 and answer.json()["number"] == week
    validity = client.get(f"/api/v1/groups/{gid}/validity/").json()
    assert validity["valid"] is True and validity["members"] == 6 and validity["attendance"].startswith("0.66")
    listing = client.get("/api/v1/groups/").json()
    assert listing["results"][0]["validity"]["sessions"] == 4

    body = {"name": "改名", "goal": "互助", "starts_on": "2025-03-03", "status": "running", "items": [items[0].pk], "version": 1}
    assert client.put(f"/api/v1/groups/{gid}/", body, content_type="application/json").status_code == 200
    stale = client.put(f"/api/v1/groups/{gid}/", {**body, "name": "覆盖"}, content_type="application/json")
    assert stale.status_code == 409
    assert stale["Content-Type"] == "application/problem+json" and "Someone else saved" in stale.json()["detail"]
    assert cw.Group.objects.get(pk=gid).name == "改名"

    session = cw.GroupSession.objects.get(group_id=gid, number=1)
    fields = {"held_on": str(session.held_on), "topic": "相识", "present": member_ids, "version": 1}
    assert client.put(f"/api/v1/group-sessions/{session.pk}/", fields, content_type="application/json").status_code == 200
    assert client.put(f"/api/v1/group-sessions/{session.pk}/", {**fields, "present": []}, content_type="application/json").status_code == 409
    assert cw.SessionAttendance.objects.filter(session=session, present=True).count() == 6

    left = client.post(f"/api/v1/groups/{gid}/leave/", {"member": member_ids[0], "left_on": "2025-04-20"}, content_type="application/json")
    assert left.status_code == 200 and left.json()["left_on"] == "2025-04-20"


def test_api_scoping_and_bad_inputs(group, people, items, client_for, regions):
    client_b = client_for(people["worker_b"])
    assert client_b.get(f"/api/v1/groups/{group.pk}/").status_code == 404
    assert client_b.get("/api/v1/groups/").json()["results"] == []
    refused = client_b.post("/api/v1/groups/", {"region": group.region_id, "name": "x", "goal": "x", "starts_on": "2025-03-03"},
                            content_type="application/json")
    assert refused.status_code == 403
    client = client_for(people["worker_a"])
    future = client.post(f"/api/v1/groups/{group.pk}/sessions/", {"held_on": str(date.today() + timedelta(days=3)), "topic": "x"},
                         content_type="application/json")
    assert future.status_code == 400 and "held_on" in future.json()["errors"]
    outsider = make_recipient(village_of(regions["township_b"]), "乙某某")
    answer = client.post(f"/api/v1/groups/{group.pk}/members/", {"recipient": outsider.pk, "joined_on": "2025-03-03"},
                         content_type="application/json")
    assert answer.status_code == 400
