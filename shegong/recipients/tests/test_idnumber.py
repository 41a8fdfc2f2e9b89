"""Citizen ID numbers as township lists write them: normalised, checked, with plain reasons.

Given the numbers a clerk types or a spreadsheet holds, when they are parsed, then a good number
comes out in one canonical form with the sex and birth date it encodes, and a bad one is refused
with a reason that says what is wrong.
"""

from datetime import date

import pytest
from django.utils import translation

from shegong.recipients import idnumber
from shegong.recipients.tests.factories import id_for

GOOD = id_for(date(1990, 1, 1), 123)  # 210381199001011233: male (odd 17th digit)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def reason(raw, **kwargs) -> str:
    with pytest.raises(idnumber.InvalidIdNumber) as exc:
        idnumber.parse(raw, **kwargs)
    return str(exc.value)


class TestNormalisation:
    def test_full_width_digits_become_half_width(self):
        full_width = GOOD.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
        assert full_width != GOOD
        assert idnumber.parse(full_width).value == GOOD

    def test_lower_case_x_is_upper_cased(self):
        with_x = next(id_for(date(1985, 6, 15), seq) for seq in range(1, 200) if id_for(date(1985, 6, 15), seq).endswith("X"))
        parsed = idnumber.parse(with_x.lower())
        assert parsed.value == with_x and parsed.value.endswith("X")

    def test_spaces_dashes_and_a_spreadsheet_quote_are_dropped(self):
        assert idnumber.parse(f" {GOOD[:6]} {GOOD[6:14]}-{GOOD[14:]} ").value == GOOD
        assert idnumber.parse(f"'{GOOD}").value == GOOD
        assert idnumber.parse(f"{GOOD[:9]}\u3000{GOOD[9:]}").value == GOOD  # ideographic space


class TestRefusals:
    def test_empty(self):
        assert "empty" in reason("  ")
        assert not idnumber.is_valid(None)

    def test_wrong_check_digit(self):
        last = "0" if GOOD[-1] != "0" else "1"
        assert "check digit" in reason(GOOD[:-1] + last)

    def test_birth_date_that_does_not_exist(self):
        assert "(19900230) does not exist" in reason(idnumber.with_check_digit("21038119900230001"))

    def test_birth_date_in_the_future(self):
        tomorrow_born = id_for(date(2030, 5, 1), 1)
        assert "(20300501) is impossible" in reason(tomorrow_born, today=date(2030, 4, 30))
        assert idnumber.parse(tomorrow_born, today=date(2030, 5, 1)).birth_date == date(2030, 5, 1)

    def test_old_fifteen_digit_number(self):
        assert "old 15-digit" in reason("210381900101123")

    def test_wrong_length_says_how_long_it_is(self):
        assert "this one has 17" in reason(GOOD[:-1])

    def test_letters_inside(self):
        assert "17 digits followed by a digit or X" in reason(GOOD[:5] + "A" + GOOD[6:])

    def test_unknown_region_code(self):
        assert "region code 999999" in reason(id_for(date(1990, 1, 1), 1, county="999999"))
        assert "region code 210300" in reason(id_for(date(1990, 1, 1), 1, county="210300"))  # a city, not a county


class TestWhatTheNumberSays:
    def test_sex_and_birth_date_are_derived(self):
        male = idnumber.parse(id_for(date(1990, 1, 1), 123))
        female = idnumber.parse(id_for(date(2012, 2, 29), 124))
        assert (male.sex, male.birth_date, male.county_code) == ("male", date(1990, 1, 1), "210381")
        assert (female.sex, female.birth_date) == ("female", date(2012, 2, 29))

    def test_born_before_the_county_code_existed(self):
        """海城市 became a county-level city (code 210381) in 1989; a person born there in 1950
        holds a 210381 number, issued later. That number is valid."""
        parsed = idnumber.parse(id_for(date(1950, 3, 4), 7))
        assert parsed.birth_date == date(1950, 3, 4) and parsed.county_code == "210381"

    def test_a_code_since_abolished_is_still_accepted(self):
        # 210322 was 海城县 until 1985: numbers issued then are still carried today.
        assert idnumber.parse(id_for(date(1960, 7, 1), 11, county="210322")).county_code == "210322"
