"""The recipients API: the same jurisdiction, services and audit as the pages.

Given people, households, needs, resources, referrals, duplicate pairs and uploaded lists in
township A and township B, when township A's staff use /api/v1/, then they reach A's rows only
(B's are 404 like missing rows, absent from lists and from ID searches), every write goes through
the services with their checks and audit rows, errors are problem details naming the field and
the reason in the user's language, lists are cursor-paginated at a constant number of queries.
"""

from datetime import date, timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from shegong.core.models import AuditEntry
from shegong.recipients import idnumber, services
from shegong.recipients.models import (
    DuplicateCandidate,
    ImportBatch,
    NeedItem,
    Recipient,
    Referral,
    TimelineEntry,
)
from shegong.recipients.tests import workbooks
from shegong.recipients.tests.factories import (
    id_for,
    make_assessment,
    make_household,
    make_recipient,
    make_resource,
    village_of,
)

pytestmark = pytest.mark.django_db

JSON = "application/json"


@pytest.fixture(autouse=True)
def _english(people):
    """Everyone reads English here, so the reasons asserted do not depend on the Chinese catalogue
    (the test of the language itself sets it back)."""
    from shegong.accounts.models import User

    User.objects.filter(pk__in=[u.pk for u in people.values()]).update(language="en")
    for user in people.values():
        user.language = "en"


@pytest.fixture
def places(regions):
    return {"a": village_of(regions["township_a"]), "b": village_of(regions["township_b"])}


@pytest.fixture
def pair(places):
    """One person in each township, each in a household with a needs assessment."""
    home_a = make_household(places["a"], head_name="甲户主")
    home_b = make_household(places["b"], head_name="乙户主")
    a = make_recipient(places["a"], "甲某某", id_number=id_for(date(1950, 3, 4), 5), phone="13811112222", household=home_a)
    b = make_recipient(places["b"], "乙某某", id_number=id_for(date(1950, 3, 4), 7), phone="13833334444", household=home_b)
    return {"a": a, "b": b, "home_a": home_a, "home_b": home_b,
            "assessment_a": make_assessment(home_a), "assessment_b": make_assessment(home_b)}


def post(client, url, data=None):
    return client.post(url, data or {}, content_type=JSON)


def patch(client, url, data):
    return client.patch(url, data, content_type=JSON)


def results(response) -> list:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["title"]
    return body


# --- Jurisdiction ---------------------------------------------------------------------------


class TestTownshipACannotReachTownshipB:
    def test_list_read_change_unmask_status_and_search(self, pair, people, places, client_for):
        client = client_for(people["officer_a"])
        a, b = pair["a"], pair["b"]
        assert [r["id"] for r in results(client.get("/api/v1/recipients/"))] == [a.pk]
        outside = client.get(f"/api/v1/recipients/{b.pk}/")
        missing = client.get("/api/v1/recipients/999999/")
        assert outside.status_code == missing.status_code == 404
        assert outside.json() == missing.json() | {"instance": outside.json()["instance"]}
        assert patch(client, f"/api/v1/recipients/{b.pk}/", {"name": "改名"}).status_code == 404
        assert post(client, f"/api/v1/recipients/{b.pk}/unmask/", {"field": "id_number"}).status_code == 404
        assert post(client, f"/api/v1/recipients/{b.pk}/status/", {"status": "closed", "reason": "x"}).status_code == 404
        assert client.get(f"/api/v1/recipients/{b.pk}/timeline/").status_code == 404
        assert client.get(f"/api/v1/recipients/{b.pk}/categories/").status_code == 404
        b.refresh_from_db()
        assert (b.name, b.status) == ("乙某某", "new")
        assert not AuditEntry.objects.filter(action="recipient.unmask").exists()
        b_number = services.clear_value(b, "id_number")
        found = post(client, "/api/v1/recipients/search/", {"id_number": b_number})
        assert found.status_code == 200 and found.json() == []
        assert AuditEntry.objects.get(action="recipient.search_id").detail == {"found": 0}
        # Officer B finds the same number.
        assert [r["id"] for r in post(client_for(people["officer_b"]), "/api/v1/recipients/search/", {"id_number": b_number}).json()] == [b.pk]

    def test_cannot_register_in_township_b(self, people, places, client_for):
        response = post(client_for(people["worker_a"]), "/api/v1/recipients/", {"name": "越界", "region": places["b"]})
        assert_problem(response, 403)
        assert not Recipient.objects.filter(name="越界").exists()

    def test_other_lists_and_rows(self, pair, people, places, client_for):
        client = client_for(people["officer_a"])
        b = pair["b"]
        resource_b = make_resource(places["b"], name="乙资源")
        referral_b = Referral.objects.create(recipient=b, agency="镇卫生院", reason="体检", referred_on=date(2025, 3, 2))
        other_b = make_recipient(places["b"], "乙某某", household=pair["home_b"])
        duplicate_b = DuplicateCandidate.objects.create(first=b, second=other_b, region_id=places["b"], reason="same_name_birth")
        batch_b = ImportBatch.objects.create(region=people["officer_b"].role_assignments.get().region,
                                             original_name="b.xlsx", file=ContentFile(b"x", name="b.xlsx"))
        rows = {
            "households": (pair["home_b"].pk, "head_name", "乙户主"),
            "assessments": (pair["assessment_b"].pk, "household", pair["home_b"].pk),
            "resources": (resource_b.pk, "name", "乙资源"),
            "referrals": (referral_b.pk, "recipient", b.pk),
            "duplicates": (duplicate_b.pk, "region", places["b"]),
            "imports": (batch_b.pk, "original_name", "b.xlsx"),
        }
        for path, (pk, key, value) in rows.items():
            assert value not in [row[key] for row in results(client.get(f"/api/v1/{path}/"))], path
            assert client.get(f"/api/v1/{path}/{pk}/").status_code == 404, path
        assert pair["assessment_b"].needs.get().pk not in [n["id"] for n in results(client.get("/api/v1/needs/"))]
        assert patch(client, f"/api/v1/resources/{resource_b.pk}/", {"name": "x"}).status_code == 404
        assert patch(client, f"/api/v1/referrals/{referral_b.pk}/", {"status": "accepted"}).status_code == 404
        assert post(client, f"/api/v1/duplicates/{duplicate_b.pk}/merge/", {"keep": b.pk}).status_code == 404
        assert post(client, f"/api/v1/imports/{batch_b.pk}/discard/").status_code == 404
        # Township A cannot point its writes at B's rows either.
        refused = post(client, "/api/v1/referrals/", {"recipient": b.pk, "agency": "镇卫生院", "reason": "体检"})
        assert assert_problem(refused, 400)["errors"]["recipient"]
        refused = post(client, "/api/v1/assessments/", {"household": pair["home_b"].pk, "assessed_on": "2025-03-01",
                                                         "summary": "x", "needs": []})
        assert assert_problem(refused, 400)["errors"]["household"]

    def test_a_duplicate_pair_across_townships_shows_to_neither_township(self, pair, people, places, client_for):
        DuplicateCandidate.objects.create(first=pair["a"], second=pair["b"], region_id=places["a"], reason="same_name_birth")
        assert results(client_for(people["officer_a"]).get("/api/v1/duplicates/")) == []
        assert len(results(client_for(people["county_bureau"]).get("/api/v1/duplicates/"))) == 1


# --- Registration and changes ---------------------------------------------------------------


class TestRegistration:
    def test_register_and_read_back_masked(self, people, places, client_for):
        client = client_for(people["worker_a"])
        home = make_household(places["a"], head_name="赵大海")
        number = id_for(date(2016, 6, 1), 24)
        response = post(client, "/api/v1/recipients/", {
            "name": " 赵小花 ", "region": places["a"], "id_number": number.lower() + " ", "phone": "138 1234 5678",
            "guardian_phone": "13900001111", "guardian_name": "赵大海", "categories": ["left_behind_child", "dibao"],
            "household": home.pk, "relation": "child", "follow_up_level": "key",
        })
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["name"] == "赵小花" and body["name_pinyin"] == "zhaoxiaohua"
        assert body["id_masked"] == f"{number[:6]}********{number[-4:]}"
        assert body["phone_masked"] == "138****5678" and body["guardian_phone_masked"] == "139****1111"
        assert body["sex"] == "female" and body["is_child"] is True and body["age"] == Recipient.objects.get(pk=body["id"]).age
        assert body["categories"] == ["dibao", "left_behind_child"]
        assert (body["household"], body["region"], body["status"]) == (home.pk, places["a"], "new")
        assert body["region_name"]
        assert number not in response.content.decode()
        person = Recipient.objects.get(pk=body["id"])
        assert services.clear_value(person, "id_number") == number
        assert AuditEntry.objects.filter(action="recipient.create", object_id=str(person.pk), actor=people["worker_a"]).exists()
        timeline = results(client.get(f"/api/v1/recipients/{person.pk}/timeline/"))
        assert [t["kind"] for t in timeline] == ["registered"]

    def test_a_bad_id_number_is_a_problem_with_the_reason_in_the_users_language(self, people, places, client_for):
        worker = people["worker_a"]
        good = id_for(date(1980, 1, 1), 3)
        bad = good[:-1] + ("0" if good[-1] != "0" else "1")
        with translation.override("zh-hans"):
            chinese_reason = _reason(bad)
        worker.language = "zh-hans"
        worker.save(update_fields=["language"])
        response = post(client_for(worker), "/api/v1/recipients/", {"name": "钱某", "region": places["a"], "id_number": bad})
        body = assert_problem(response, 400)
        assert body["errors"]["id_number"] == [chinese_reason]
        worker.language = "en"
        worker.save(update_fields=["language"])
        response = post(client_for(worker), "/api/v1/recipients/", {"name": "钱某", "region": places["a"], "id_number": bad})
        body = assert_problem(response, 400)
        assert body["errors"]["id_number"] == ["The check digit (last character) is wrong: the number was mistyped."]
        response = post(client_for(worker), "/api/v1/recipients/", {"name": "钱某", "region": places["a"], "id_number": "210381800101123"})
        assert "old 15-digit" in assert_problem(response, 400)["errors"]["id_number"][0]
        assert not Recipient.objects.filter(name="钱某").exists()

    def test_other_refusals_name_their_fields(self, pair, people, places, client_for):
        client = client_for(people["worker_a"])
        taken = services.clear_value(pair["a"], "id_number")
        cases = [
            ({"region": places["a"]}, "name"),
            ({"name": "  ", "region": places["a"]}, "name"),
            ({"name": "孙某", "region": "999999999999"}, "region"),
            ({"name": "孙某", "region": places["a"], "id_number": taken}, "id_number"),
            ({"name": "孙某", "region": places["a"], "id_number": id_for(date(1980, 1, 1), 3), "sex": "female"}, "sex"),
            ({"name": "孙某", "region": places["a"], "phone": "12345"}, "phone"),
            ({"name": "孙某", "region": places["a"], "categories": ["nope"]}, "categories"),
            ({"name": "孙某", "region": places["a"], "birth_date": "2999-01-01"}, "birth_date"),
            ({"name": "孙某", "region": places["a"], "household": pair["home_b"].pk}, "household"),
        ]
        for payload, field in cases:
            body = assert_problem(post(client, "/api/v1/recipients/", payload), 400)
            assert field in body["errors"], (payload, body)
        assert "already registered" in post(client, "/api/v1/recipients/", cases[3][0]).json()["errors"]["id_number"][0]
        assert not Recipient.objects.filter(name="孙某").exists()

    def test_change_the_file(self, pair, people, client_for):
        a = pair["a"]
        client = client_for(people["worker_a"])
        response = patch(client, f"/api/v1/recipients/{a.pk}/", {
            "phone": "13700001234", "categories": ["tekun"], "current_address": "南关社区3号", "follow_up_level": "high_risk",
        })
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["phone_masked"] == "137****1234" and body["categories"] == ["tekun"]
        assert (body["current_address"], body["follow_up_level"], body["name"]) == ("南关社区3号", "high_risk", "甲某某")
        history = client.get(f"/api/v1/recipients/{a.pk}/categories/").json()
        assert {(c["category"], c["ended_on"] is None) for c in history} == {("dibao", False), ("tekun", True)}
        update = AuditEntry.objects.get(action="recipient.update")
        assert set(update.detail["fields"]) >= {"phone", "category+tekun", "category-dibao"}
        assert patch(client, f"/api/v1/recipients/{a.pk}/", {"phone": "1"}).status_code == 400

    @pytest.mark.parametrize("who", ["supervisor", "county_bureau"])
    def test_overseers_read_but_do_not_change(self, who, pair, people, client_for):
        client = client_for(people[who])
        a = pair["a"]
        assert client.get(f"/api/v1/recipients/{a.pk}/").status_code == 200
        assert_problem(patch(client, f"/api/v1/recipients/{a.pk}/", {"name": "改名"}), 403)
        assert_problem(post(client, f"/api/v1/recipients/{a.pk}/status/", {"status": "closed", "reason": "x"}), 403)
        a.refresh_from_db()
        assert (a.name, a.status) == ("甲某某", "new")

    def test_status_needs_a_reason_to_close(self, pair, people, client_for):
        client = client_for(people["officer_a"])
        url = f"/api/v1/recipients/{pair['a'].pk}/status/"
        assert "reason" in assert_problem(post(client, url, {"status": "deceased"}), 400)["errors"]
        assert "status" in assert_problem(post(client, url, {"status": "gone"}), 400)["errors"]
        response = post(client, url, {"status": "deceased", "reason": "2025年3月病故"})
        assert response.status_code == 200 and response.json()["status"] == "deceased"
        assert pair["a"].status_changes.latest("pk").reason == "2025年3月病故"
        assert "2025年3月病故" in results(client.get(f"/api/v1/recipients/{pair['a'].pk}/timeline/"))[0]["summary"]


def _reason(raw) -> str:
    try:
        idnumber.parse(raw)
    except idnumber.InvalidIdNumber as exc:
        return str(exc)
    raise AssertionError(f"{raw} parsed")


# --- Search and filters ---------------------------------------------------------------------


class TestSearchAndFilters:
    def test_search_by_id_number(self, pair, people, client_for):
        client = client_for(people["worker_a"])
        number = services.clear_value(pair["a"], "id_number")
        spaced = f"{number[:6]} {number[6:14]} {number[14:]}".translate(workbooks.FULL_WIDTH)
        found = post(client, "/api/v1/recipients/search/", {"id_number": spaced})
        assert [r["id"] for r in found.json()] == [pair["a"].pk]
        assert found.json()[0]["id_masked"] == pair["a"].id_masked
        malformed = assert_problem(post(client, "/api/v1/recipients/search/", {"id_number": number[:-2]}), 400)
        assert malformed["errors"]["id_number"] == [_reason(number[:-2])]
        assert AuditEntry.objects.filter(action="recipient.search_id").count() == 1  # the malformed one searched nothing
        assert client.get("/api/v1/recipients/search/").status_code == 405

    def test_filters(self, pair, people, places, client_for):
        village = places["a"]
        child = make_recipient(village, "单小雨", id_number=id_for(date.today() - timedelta(days=365 * 8), 26),
                               categories=("left_behind_child",), follow_up_level="key")
        closed = make_recipient(village, "曾老汉", categories=("tekun",), status="closed")
        client = client_for(people["worker_a"])

        def ids(query):
            return {r["id"] for r in results(client.get(f"/api/v1/recipients/?{query}"))}

        a = pair["a"].pk
        assert ids("") == {a, child.pk, closed.pk}
        assert ids("q=sxy") == ids("q=shanx") == ids("q=单") == {child.pk}
        assert ids("q=ZLH") == ids("q=zeng%20lao") == {closed.pk}
        assert ids("category=left_behind_child") == {child.pk}
        assert ids("child=true") == {child.pk} and ids("child=false") == {a, closed.pk}
        assert ids("status=closed") == {closed.pk}
        assert ids("follow_up_level=key") == {child.pk}
        assert ids(f"region={village[:9]}") == {a, child.pk, closed.pk}
        assert ids("region=210381002") == set()
        assert "region" in assert_problem(client.get("/api/v1/recipients/?region=abc"), 400)["errors"]
        assert "category" in assert_problem(client.get("/api/v1/recipients/?category=nope"), 400)["errors"]


# --- Pagination and query counts ------------------------------------------------------------


def test_cursor_pagination_walks_every_row_once(people, places, client_for):
    for i in range(7):
        make_recipient(places["a"], f"翻页{i}")
    client = client_for(people["officer_a"])
    seen, url, pages = [], "/api/v1/recipients/?page_size=3", 0
    while url:
        body = client.get(url).json()
        seen += [r["id"] for r in body["results"]]
        assert len(body["results"]) <= 3
        url, pages = body["next"], pages + 1
    assert pages == 3 and len(seen) == len(set(seen)) == 7
    assert seen == sorted(seen, reverse=True)  # newest first


def test_timeline_is_paginated_newest_first(pair, people, client_for):
    a = pair["a"]
    for day in range(1, 6):
        services.add_to_timeline(a, "visit", f"第{day}次走访", at=f"2025-04-0{day}T09:00Z")
    client = client_for(people["worker_a"])
    first = client.get(f"/api/v1/recipients/{a.pk}/timeline/?page_size=2").json()
    assert [t["summary"] for t in first["results"]] == ["第5次走访", "第4次走访"]
    second = client.get(first["next"]).json()
    assert [t["summary"] for t in second["results"]] == ["第3次走访", "第2次走访"]


LISTS = ["recipients", "households", "assessments", "needs", "resources", "referrals", "duplicates", "imports"]


def _add_rows(places, township, start: int, count: int) -> None:
    village = places["a"]
    for i in range(start, start + count):
        home = make_household(village, head_name=f"户{i}")
        person = make_recipient(village, f"人{i}", id_number=id_for(date(1940, 1, 1) + timedelta(days=i), 9),
                                categories=("dibao", "disabled"), household=home, phone="13800000000")
        services.add_to_timeline(person, "visit", "走访")
        make_assessment(home, needs=(("health", "体检"), ("care", "照料")))
        resource = make_resource(village, name=f"资源{i}")
        Referral.objects.create(recipient=person, resource=resource, reason="转介", referred_on=date(2025, 3, 1))
        twin = make_recipient(village, f"人{i}", household=home)
        DuplicateCandidate.objects.create(first=person, second=twin, region_id=village, reason="same_name_birth")
        ImportBatch.objects.create(region=township, original_name=f"名单{i}.xlsx", file=ContentFile(b"x", name="x.xlsx"))


def _count(client, url) -> tuple[int, list]:
    with CaptureQueriesContext(connection) as ctx:
        rows = results(client.get(url))
    return len(ctx.captured_queries), rows


@pytest.mark.parametrize("path", LISTS)
def test_lists_cost_the_same_for_few_or_many_rows(path, people, places, regions, client_for):
    client = client_for(people["officer_a"])
    _add_rows(places, regions["township_a"], 0, 3)
    client.get(f"/api/v1/{path}/")  # warm per-process caches
    few, rows = _count(client, f"/api/v1/{path}/")
    assert len(rows) >= 3
    _add_rows(places, regions["township_a"], 3, 27)
    many, rows = _count(client, f"/api/v1/{path}/")
    assert len(rows) >= 30
    assert many == few, f"/api/v1/{path}/: {few} queries for 3 rows, {many} for 30"


@pytest.mark.parametrize("path", ["recipients", "households", "assessments", "resources", "referrals", "duplicates", "imports"])
def test_a_row_costs_a_handful_of_queries(path, people, places, regions, client_for, django_assert_max_num_queries):
    client = client_for(people["officer_a"])
    _add_rows(places, regions["township_a"], 0, 2)
    pk = results(client.get(f"/api/v1/{path}/"))[0]["id"]
    with django_assert_max_num_queries(10):  # most of them: session, user, second factor, roles, session renewal
        assert client.get(f"/api/v1/{path}/{pk}/").status_code == 200


# --- Households, needs, resources, referrals ------------------------------------------------


def test_households_list_their_visible_members(pair, people, places, client_for):
    home = pair["home_a"]
    spouse = make_recipient(places["a"], "甲配偶", household=home)
    gone = make_recipient(places["a"], "甲旧档", household=home)
    Recipient.objects.filter(pk=gone.pk).update(merged_into=pair["a"])
    body = client_for(people["worker_a"]).get(f"/api/v1/households/{home.pk}/").json()
    assert body["members"] == [pair["a"].pk, spouse.pk] and body["head_name"] == "甲户主"
    assert body["region"] == places["a"]


def test_assessments_and_the_needs_list(pair, people, client_for):
    client = client_for(people["worker_a"])
    a, home = pair["a"], pair["home_a"]
    response = post(client, "/api/v1/assessments/", {
        "household": home.pk, "assessed_on": "2025-05-06", "summary": "入户评估：老人独居",
        "needs": [{"domain": "care", "description": "需要助餐", "priority": "high", "recipient": a.pk},
                  {"domain": "housing", "description": "房屋漏雨"}],
    })
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["next_due_on"] == "2026-05-06" and body["household"] == home.pk
    assert [(n["domain"], n["priority"], n["recipient"], n["status"]) for n in body["needs"]] == [
        ("care", "high", a.pk, "open"), ("housing", "medium", None, "open")]
    assert AuditEntry.objects.filter(action="recipient.assessment_create", object_id=str(body["id"])).exists()
    assert TimelineEntry.objects.filter(recipient=a, kind="assessment").exists()
    needs = results(client.get("/api/v1/needs/?domain=care&status=open"))
    assert [n["description"] for n in needs] == ["需要助餐"] and needs[0]["household"] == home.pk
    assert results(client.get("/api/v1/needs/?region=210381002")) == []
    stranger = make_recipient(pair["b"].region_id, "外人")
    refused = post(client, "/api/v1/assessments/", {"household": home.pk, "assessed_on": "2025-05-06",
                                                    "needs": [{"domain": "care", "description": "x", "recipient": stranger.pk}]})
    assert "needs" in assert_problem(refused, 400)["errors"]
    assert "assessed_on" in assert_problem(post(client, "/api/v1/assessments/", {
        "household": home.pk, "assessed_on": "2999-01-01", "needs": []}), 400)["errors"]
    assert_problem(post(client_for(people["county_bureau"]), "/api/v1/assessments/", {
        "household": home.pk, "assessed_on": "2025-05-06", "summary": "x", "needs": []}), 403)


def test_resources(people, places, client_for):
    client = client_for(people["worker_a"])
    response = post(client, "/api/v1/resources/", {
        "region": places["a"], "kind": "charity", "name": "  爱心超市 ", "services": "每月发放米面油",
        "domains": ["living", "living", "care"], "contact_person": "刘会长",
    })
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "爱心超市" and body["domains"] == ["care", "living"] and body["active"] is True
    assert body["checked_on"] == date.today().isoformat()
    changed = patch(client, f"/api/v1/resources/{body['id']}/", {"active": False, "services": "暂停"})
    assert changed.status_code == 200 and changed.json()["active"] is False
    assert [r["name"] for r in results(client.get("/api/v1/resources/?kind=charity&active=false"))] == ["爱心超市"]
    assert results(client.get("/api/v1/resources/?domain=housing")) == []
    manager = client_for(people["operator_manager"])  # reads the resource database, does not keep it
    assert [r["id"] for r in results(manager.get("/api/v1/resources/"))] == [body["id"]]
    assert_problem(post(manager, "/api/v1/resources/", {"region": places["a"], "kind": "charity", "name": "x"}), 403)
    assert_problem(patch(manager, f"/api/v1/resources/{body['id']}/", {"name": "x"}), 403)
    assert "region" in assert_problem(post(client, "/api/v1/resources/", {"region": "21", "kind": "charity", "name": "x"}), 400)["errors"]
    assert client.delete(f"/api/v1/resources/{body['id']}/").status_code == 405  # entries are kept; mark them inactive
    assert {e.action for e in AuditEntry.objects.filter(object_id=str(body["id"]))} == {"recipient.resource_create", "recipient.resource_update"}


def test_referrals(pair, people, places, client_for):
    client = client_for(people["worker_a"])
    a = pair["a"]
    need = pair["assessment_a"].needs.get()
    resource = make_resource(places["a"], name="镇卫生院")
    response = post(client, "/api/v1/referrals/", {"recipient": a.pk, "resource": resource.pk, "need": need.pk,
                                                   "reason": "定期体检", "referred_on": "2025-04-01"})
    assert response.status_code == 201, response.content
    referral = response.json()
    assert (referral["resource_name"], referral["recipient_name"], referral["status"]) == ("镇卫生院", "甲某某", "pending")
    need.refresh_from_db()
    assert need.status == "referred"
    done = patch(client, f"/api/v1/referrals/{referral['id']}/", {"status": "completed", "outcome": "已体检", "need_met": True})
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "completed" and done.json()["closed_on"] == date.today().isoformat()
    need.refresh_from_db()
    assert need.status == "met"
    assert [r["id"] for r in results(client.get(f"/api/v1/referrals/?recipient={a.pk}"))] == [referral["id"]]
    both = post(client, "/api/v1/referrals/", {"recipient": a.pk, "reason": "x"})
    assert "agency" in assert_problem(both, 400)["errors"]
    assert_problem(post(client_for(people["supervisor"]), "/api/v1/referrals/", {"recipient": a.pk, "agency": "民政办", "reason": "x"}), 403)
    assert NeedItem.objects.get(pk=need.pk).status == "met"


# --- Duplicates -----------------------------------------------------------------------------


def test_merge_and_dismiss_duplicates(pair, people, places, client_for):
    a = pair["a"]
    twin = make_recipient(places["a"], "甲某某", phone="", categories=("disabled",))
    Recipient.objects.filter(pk=twin.pk).update(birth_date=a.birth_date)
    services.detect_duplicates([Recipient.objects.get(pk=twin.pk)])
    candidate = DuplicateCandidate.objects.get()
    lead, worker = client_for(people["station_lead"]), client_for(people["worker_a"])
    listed = results(worker.get("/api/v1/duplicates/?status=open"))
    assert [(d["id"], d["first"]["id"], d["second"]["id"]) for d in listed] == [(candidate.pk, a.pk, twin.pk)]
    assert listed[0]["first"]["id_masked"] == a.id_masked and "id_number" not in listed[0]["first"]
    assert_problem(post(worker, f"/api/v1/duplicates/{candidate.pk}/merge/", {"keep": a.pk}), 403)  # not a merge role
    assert "keep" in assert_problem(post(lead, f"/api/v1/duplicates/{candidate.pk}/merge/", {"keep": 999999}), 400)["errors"]
    merged = post(lead, f"/api/v1/duplicates/{candidate.pk}/merge/", {"keep": a.pk})
    assert merged.status_code == 200, merged.content
    assert merged.json()["id"] == a.pk and merged.json()["categories"] == ["dibao", "disabled"]
    twin.refresh_from_db()
    assert twin.merged_into_id == a.pk
    assert lead.get(f"/api/v1/duplicates/{candidate.pk}/").json()["status"] == "merged"
    assert twin.pk not in [r["id"] for r in results(lead.get("/api/v1/recipients/"))]
    assert lead.get(f"/api/v1/recipients/{twin.pk}/").json()["merged_into"] == a.pk
    kept_as_history = assert_problem(patch(lead, f"/api/v1/recipients/{twin.pk}/", {"notes": "x"}), 400)
    assert f"merged into file no. {a.pk}" in str(kept_as_history["errors"])
    assert AuditEntry.objects.filter(action="recipient.merge", actor=people["station_lead"]).exists()
    again = assert_problem(post(lead, f"/api/v1/duplicates/{candidate.pk}/merge/", {"keep": a.pk}), 400)
    assert "already been decided" in str(again["errors"])

    other = make_recipient(places["a"], "甲某某")
    Recipient.objects.filter(pk=other.pk).update(birth_date=a.birth_date)
    pending = DuplicateCandidate.objects.create(first=a, second=other, region_id=places["a"], reason="same_name_birth")
    dismissed = post(client_for(people["officer_a"]), f"/api/v1/duplicates/{pending.pk}/dismiss/")
    assert dismissed.status_code == 200 and dismissed.json()["status"] == "dismissed"
    assert_problem(post(lead, f"/api/v1/duplicates/{pending.pk}/dismiss/"), 400)


# --- Imports --------------------------------------------------------------------------------


def _upload(client, content: bytes, township: str, kind: str = "import", name: str = "低保名单.xlsx"):
    return client.post("/api/v1/imports/", {"file": workbooks.upload(content, name), "township": township, "kind": kind})


def test_import_a_small_workbook_check_then_commit(people, regions, client_for):
    client = client_for(people["officer_a"])
    township = regions["township_a"].code
    response = _upload(client, workbooks.xlsx(workbooks.family()), township)
    assert response.status_code == 201, response.content
    batch = response.json()
    assert (batch["state"], batch["township"], batch["original_name"]) == ("validated", township, "低保名单.xlsx")
    assert batch["summary"]["new"] == 3 and batch["summary"]["errors"] == 0 and batch["progress_percent"] == 100
    assert all("*" in row["id"] for row in batch["preview"]["new"])  # the preview masks the ID numbers
    assert id_for(date(1960, 5, 1), 11) not in response.content.decode()
    assert not Recipient.objects.filter(name="王建国").exists()  # nothing written before the commit
    listed = results(client.get("/api/v1/imports/"))
    assert [b["id"] for b in listed] == [batch["id"]] and "preview" not in listed[0]

    committed = post(client, f"/api/v1/imports/{batch['id']}/commit/", {"confirm_gone": []})
    assert committed.status_code == 200, committed.content
    assert committed.json()["state"] == "committed" and committed.json()["committed_at"]
    assert {r["name"] for r in results(client.get("/api/v1/recipients/?q=wjg"))} == {"王建国"}
    assert Recipient.objects.filter(name__in=["王建国", "李秀英", "王小明"]).count() == 3
    assert AuditEntry.objects.filter(action="recipient.import_commit", object_id=str(batch["id"])).exists()
    assert "detail" in assert_problem(post(client, f"/api/v1/imports/{batch['id']}/discard/"), 400)["errors"]
    assert client_for(people["officer_b"]).get(f"/api/v1/imports/{batch['id']}/").status_code == 404


def test_import_refusals(people, regions, client_for):
    client = client_for(people["officer_a"])
    township = regions["township_a"].code
    bad = workbooks.family()
    bad[1]["身份证号码"] = bad[1]["身份证号码"][:-1] + ("1" if bad[1]["身份证号码"][-1] == "0" else "0")
    checked = _upload(client, workbooks.xlsx(bad), township).json()
    assert checked["summary"]["errors"] >= 1 and checked["preview"]["errors"]
    assert_problem(post(client, f"/api/v1/imports/{checked['id']}/commit/"), 400)  # fix the errors first
    dropped = post(client, f"/api/v1/imports/{checked['id']}/discard/")
    assert dropped.status_code == 200 and dropped.json()["state"] == "discarded"
    assert AuditEntry.objects.filter(action="recipient.import_discard", object_id=str(checked["id"])).exists()

    assert "file" in assert_problem(_upload(client, workbooks.png(), township, name="名单.xlsx"), 400)["errors"]
    assert "township" in assert_problem(_upload(client, workbooks.xlsx(workbooks.family()), "210381"), 400)["errors"]
    assert "kind" in assert_problem(_upload(client, workbooks.xlsx(workbooks.family()), township, kind="x"), 400)["errors"]
    assert_problem(_upload(client, workbooks.xlsx(workbooks.family()), regions["township_b"].code), 403)
    assert_problem(_upload(client_for(people["county_bureau"]), workbooks.xlsx(workbooks.family()), township), 403)
    assert ImportBatch.objects.count() == 1
