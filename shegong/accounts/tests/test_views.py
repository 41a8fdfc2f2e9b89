"""User pages: constant query counts, filters, and the user-management journey by page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


def queries_for(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", ["/accounts/users/", "/audit/", "/api/v1/users/", "/api/v1/audit/", "/"])
def test_list_pages_cost_the_same_for_3_or_30_rows(url, people, regions, make_user, client_for):
    from shegong.core import audit

    client = client_for(people["county_bureau"])
    client.get(url)  # warm per-process caches (content types, translations)
    few = queries_for(client, url)
    for i in range(30):
        user = make_user("worker", regions["township_b"], username=f"extra_{i}")
        audit.record("test.event", obj=user)
    many = queries_for(client, url)
    assert many == few, f"{url}: {few} queries with few rows, {many} with many"


def test_user_filters(people, client_for):
    client = client_for(people["county_bureau"])
    by_role = client.get("/accounts/users/?role=township_officer").content
    assert b"officer_a" in by_role and b"worker_a" not in by_role
    by_name = client.get("/accounts/users/?q=worker_b").content
    assert b"worker_b" in by_name and b"worker_a" not in by_name
    by_region = client.get(f"/accounts/users/?region={people['officer_b'].role_assignments.get().region_id}").content
    assert b"officer_b" in by_region and b"officer_a" not in by_region


def test_grant_revoke_and_reset_by_page(people, regions, client_for):
    client = client_for(people["county_bureau"])
    target = people["worker_a"]
    response = client.post(
        f"/accounts/users/{target.pk}/grant/",
        {"role": "worker", "region": regions["township_b"].code, "operator": ""},
    )
    assert response.status_code == 302
    extra = target.role_assignments.get(region=regions["township_b"])
    client.post(f"/accounts/users/{target.pk}/revoke/{extra.pk}/")
    assert not target.role_assignments.filter(pk=extra.pk).exists()
    reset = client.post(f"/accounts/users/{target.pk}/password/")
    target.refresh_from_db()
    assert target.check_password(reset.context["password"])


def test_grant_outside_the_jurisdiction_is_refused_with_a_message(people, regions, client_for):
    client = client_for(people["county_bureau"])
    response = client.post(
        f"/accounts/users/{people['worker_a'].pk}/grant/",
        {"role": "bureau", "region": regions["city"].code, "operator": ""},
        follow=True,
    )
    assert response.status_code == 200
    assert list(response.context["messages"])  # the choice is refused by the form
    assert not people["worker_a"].role_assignments.filter(role="bureau").exists()


class TestProfile:
    def test_change_password_on_the_profile_page(self, make_user, regions):
        from django.test import Client

        user = make_user("worker", regions["township_a"], password="Haicheng-station-2026", username="pw_worker")
        client = Client()
        client.post("/accounts/login/", {"username": "pw_worker", "password": "Haicheng-station-2026"})
        wrong = client.post(
            "/accounts/profile/",
            {"form": "password", "pw-old_password": "not-it-at-all", "pw-new_password": "Another-long-pass-77", "pw-new_password2": "Another-long-pass-77"},
        )
        assert wrong.status_code == 200 and wrong.context["password_form"].errors
        weak = client.post(
            "/accounts/profile/",
            {"form": "password", "pw-old_password": "Haicheng-station-2026", "pw-new_password": "password", "pw-new_password2": "password"},
        )
        assert weak.status_code == 200 and "new_password" in weak.context["password_form"].errors
        ok = client.post(
            "/accounts/profile/",
            {"form": "password", "pw-old_password": "Haicheng-station-2026", "pw-new_password": "Another-long-pass-77", "pw-new_password2": "Another-long-pass-77"},
        )
        assert ok.status_code == 302
        user.refresh_from_db()
        assert user.check_password("Another-long-pass-77")
        assert client.get("/").status_code == 200  # still signed in after the change

    def test_create_and_revoke_an_api_token(self, people, client_for):
        from knox.models import AuthToken

        client = client_for(people["worker_a"])
        page = client.post("/accounts/profile/", {"form": "token"})
        token = page.context["new_token"]
        from django.test import Client

        assert Client(HTTP_AUTHORIZATION=f"Token {token}").get("/api/v1/me/").status_code == 200
        digest = AuthToken.objects.get(user=people["worker_a"]).pk
        assert client.post("/accounts/profile/", {"form": "token_revoke", "digest": digest}).status_code == 302
        assert Client(HTTP_AUTHORIZATION=f"Token {token}").get("/api/v1/me/").status_code == 401

    def test_switch_language_on_the_profile_page(self, people, client_for):
        client = client_for(people["worker_a"])
        client.post("/accounts/profile/", {"form": "language", "lang-language": "en"})
        assert client.get("/").headers["Content-Language"] == "en"
