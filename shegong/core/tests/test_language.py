"""Simplified Chinese is complete: no English phrase shows on the main pages of any role."""

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

# Two or more English words in a row, as untranslated interface text looks ("Sign in", "Audit log").
ENGLISH_PHRASE = re.compile(r"\b[A-Za-z]{2,}(?: [A-Za-z]{2,})+\b")
ALLOWED = {"API", "IP", "Excel", "Microsoft Authenticator", "Google Authenticator", "FreeOTP", "English"}


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style|svg|code|pre)[^>]*>.*?</\1>", " ", html, flags=re.S)
    labels = " ".join(re.findall(r'aria-label="([^"]*)"', html))
    text = re.sub(r"<[^>]+>", " ", html)
    return f"{text} {labels}"


def english_phrases(html: str) -> set[str]:
    found = set()
    for phrase in ENGLISH_PHRASE.findall(visible_text(html)):
        if not any(allowed in phrase for allowed in ALLOWED):
            found.add(phrase)
    return found


@pytest.mark.parametrize("who", ["county_bureau", "officer_a", "worker_a", "evaluator", "admin"])
def test_main_pages_speak_chinese(who, people, regions, client_for):
    from shegong.core import audit

    entry = audit.record("user.update", obj=people["worker_a"], actor=people["county_bureau"])
    client = client_for(people[who])
    urls = ["/", "/regions/", "/regions/210381/", "/accounts/profile/", "/accounts/users/", "/audit/",
            "/accounts/users/999999/", f"/accounts/users/{people['worker_a'].pk}/", f"/audit/{entry.pk}/",
            "/accounts/users/new/", "/stations/", "/stations/new/", "/stations/coverage/", "/stations/operators/",
            "/contracts/", "/contracts/new/", "/workforce/workers/", "/workforce/workers/new/", "/workforce/sessions/",
            "/workforce/volunteers/", "/workforce/wages/", "/policies/", f"/policies/?region={regions['county'].code}"]
    urls += recipients_pages(people, regions)
    for url in urls:
        response = client.get(url)
        if response.status_code in (200, 404):
            assert not english_phrases(response.content.decode()), (url, english_phrases(response.content.decode()))


def recipients_pages(people, regions):
    """The recipients pages, over the demo's households in township A and one checked list."""
    from datetime import date

    from shegong.recipients import demo, imports
    from shegong.recipients.models import DuplicateCandidate, Household, NeedsAssessment, Recipient, Referral, Resource
    from shegong.recipients.tests import workbooks

    if not Recipient.objects.exists():
        demo.build(townships=[regions["township_a"]], today=date(2026, 6, 1), per_township=6)
        batch = imports.create_batch(
            people["officer_a"], workbooks.upload(workbooks.xlsx(workbooks.family())), regions["township_a"].code
        )
        imports.check(batch)
    person = Recipient.objects.filter(merged_into=None).order_by("pk").first()
    pages = ["/recipients/", "/recipients/new/", "/recipients/households/", "/recipients/imports/",
             "/recipients/imports/new/", "/recipients/needs/", "/recipients/assessments/due/", "/recipients/resources/",
             "/recipients/resources/new/", "/recipients/duplicates/", f"/recipients/{person.pk}/",
             f"/recipients/{person.pk}/print/", f"/recipients/{person.pk}/edit/", f"/recipients/{person.pk}/referrals/new/"]
    pages += [f"/recipients/households/{Household.objects.first().pk}/",
              f"/recipients/assessments/{NeedsAssessment.objects.first().pk}/",
              f"/recipients/resources/{Resource.objects.first().pk}/",
              f"/recipients/referrals/{Referral.objects.first().pk}/",
              f"/recipients/duplicates/{DuplicateCandidate.objects.first().pk}/",
              f"/recipients/imports/{imports.ImportBatch.objects.first().pk}/"]
    return pages


def test_anonymous_pages_speak_chinese(db):
    client = Client()
    for url in ["/accounts/login/"]:
        assert not english_phrases(client.get(url).content.decode())
    assert "登录" in client.get("/accounts/login/").content.decode()


def test_the_check_itself_catches_english():
    assert english_phrases("<p>Sign in</p>") == {"Sign in"}
