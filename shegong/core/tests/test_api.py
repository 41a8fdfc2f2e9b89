"""The JSON API foundation: auth, problem details, schema, regions."""

import pytest
from django.test import Client
from knox.models import AuthToken

pytestmark = pytest.mark.django_db


def test_anonymous_gets_a_problem_document(db):
    response = Client().get("/api/v1/users/")
    assert response.status_code in (401, 403)
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == response.status_code and body["title"] and body["type"] == "about:blank"


def test_token_auth_carries_the_users_jurisdiction(people):
    _, token = AuthToken.objects.create(user=people["officer_a"])
    client = Client(HTTP_AUTHORIZATION=f"Token {token}")
    names = {u["username"] for u in client.get("/api/v1/users/").json()["results"]}
    assert "worker_a" in names and "worker_b" not in names
    assert client.get("/api/v1/me/").json()["username"] == "officer_a"


def test_validation_errors_are_problem_details(people, client_for):
    client = client_for(people["county_bureau"])
    response = client.post("/api/v1/users/", {"username": "!", "role": "nope"}, content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert response["Content-Type"] == "application/problem+json"
    assert {"username", "role", "name"} <= set(body["errors"])


def test_create_user_through_the_api_is_scoped(people, regions, client_for):
    client = client_for(people["county_bureau"])
    ok = client.post(
        "/api/v1/users/",
        {"username": "api_worker", "name": "接口新建", "role": "worker", "region": regions["township_b"].code},
        content_type="application/json",
    )
    assert ok.status_code == 201 and ok.json()["initial_password"]
    refused = client.post(
        "/api/v1/users/",
        {"username": "api_city", "name": "越权", "role": "bureau", "region": "2103"},
        content_type="application/json",
    )
    assert refused.status_code == 403 and refused["Content-Type"] == "application/problem+json"


def test_deactivate_through_the_api(people, client_for):
    client = client_for(people["county_bureau"])
    assert client.post(f"/api/v1/users/{people['worker_b'].pk}/deactivate/").status_code == 204
    people["worker_b"].refresh_from_db()
    assert not people["worker_b"].is_active


def test_schema_is_openapi_3(people, client_for):
    response = client_for(people["worker_a"]).get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/users/", "/api/v1/audit/", "/api/v1/regions/"} <= set(schema["paths"])
    assert not any("id_number" in p for p in schema["paths"])


def test_regions_api_walks_the_tree(people, client_for):
    client = client_for(people["worker_a"])
    children = client.get("/api/v1/regions/?parent=210381").json()["results"]
    assert len(children) >= 20 and all(c["code"].startswith("210381") and c["level"] == 4 for c in children)
    assert client.get("/api/v1/regions/210381/").json()["name"] == "海城市"
    assert client.get("/api/v1/regions/999999/").status_code == 404


@pytest.mark.parametrize("how", ["json", "form", "query"])
def test_nul_characters_are_a_clear_400_not_a_500(people, client_for, how):
    client = client_for(people["county_bureau"])
    if how == "json":
        response = client.post("/api/v1/operators/", '{"name": "a\\u0000b"}', content_type="application/json")
    elif how == "form":
        response = client.post("/api/v1/operators/", {"name": "a\x00b", "credit_code": "x", "region": "210381"})
    else:
        response = client.get("/api/v1/users/?q=a%00b")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert client.get("/accounts/users/?q=a%00b").status_code == 400
