"""A masked ID number hides exactly the birth date: whoever sees the masked ID only must not see
the birth date either, or the two together give the full number back."""

import io
from datetime import date

import openpyxl
import pytest

from shegong.recipients.tests.factories import id_for, make_recipient, village_of

pytestmark = pytest.mark.django_db

BIRTH = date(1958, 7, 19)


@pytest.fixture
def person(regions):
    return make_recipient(village_of(regions["township_a"]), "周桂兰", id_number=id_for(BIRTH, 4))


@pytest.mark.parametrize("who", ["county_bureau", "supervisor"])
def test_masked_roles_see_the_age_not_the_birth_date(person, people, client_for, who):
    client = client_for(people[who])
    for url in (f"/recipients/{person.pk}/", f"/recipients/{person.pk}/print/", "/recipients/"):
        page = client.get(url).content.decode()
        assert person.id_masked in page, url
        assert "1958-07-19" not in page and "19580719" not in page, url
    export = client.get("/recipients/?format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    cells = {str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None}
    assert not any("1958-07-19" in c or "19580719" in c for c in cells)
    assert person.id_masked in cells


def test_who_may_unmask_sees_the_birth_date(person, people, client_for):
    page = client_for(people["worker_a"]).get(f"/recipients/{person.pk}/").content.decode()
    assert "1958-07-19" in page
