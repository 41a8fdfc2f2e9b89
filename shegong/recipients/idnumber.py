"""Citizen ID numbers (公民身份号码, GB 11643): normalise, validate, derive sex and birth date.

Validation uses python-stdnum's ``cn.ric`` (check digit, birth date) and its table of county
codes, including those since abolished. One difference: stdnum requires the code to have existed
in the birth year, but the code is that of the place which issued the number, often decades after
the birth (海城市's 210381 dates from 1989; everyone there born before has it), so we accept any
code that was ever in use. This module adds what township lists need: full-width digits, a
lower-case ``x``, spaces and dashes, and plain-language errors naming what is wrong.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from django.utils.translation import gettext as _
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError


class InvalidIdNumber(ValueError):
    """The value is not a valid citizen ID number; ``str(exc)`` says why, in the active language."""


@dataclass(frozen=True)
class IdNumber:
    value: str  # 18 characters, check digit upper-case
    birth_date: date
    sex: str  # "male" / "female"

    @property
    def county_code(self) -> str:
        return self.value[:6]


def normalise(raw) -> str:
    """Full-width to half-width, spaces and separators out, ``x`` to ``X``."""
    if raw is None:
        return ""
    text = unicodedata.normalize("NFKC", str(raw))
    return "".join(ch for ch in text if not ch.isspace() and ch not in "-_'‘’\"").upper()


@lru_cache(maxsize=8192)
def _place_known(prefix: str) -> bool:
    from stdnum import numdb

    info = {k: v for _part, props in numdb.get("cn/loc").info(prefix) for k, v in props.items()}
    return bool(info.get("county")) and not prefix.endswith("00")


def parse(raw, *, today: date | None = None) -> IdNumber:
    """The ID number in ``raw``, or :class:`InvalidIdNumber` saying what is wrong."""
    value = normalise(raw)
    if not value:
        raise InvalidIdNumber(_("The ID number is empty."))
    if len(value) == 15 and value.isdigit():
        raise InvalidIdNumber(_("This is an old 15-digit ID number; please give the 18-digit number."))
    if len(value) != 18:
        raise InvalidIdNumber(_("An ID number has 18 characters; this one has %(n)d.") % {"n": len(value)})
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        raise InvalidIdNumber(_("An ID number is 17 digits followed by a digit or X."))
    try:
        born = ric.get_birth_date(value)
    except StdnumError:
        raise InvalidIdNumber(_("The birth date inside the ID number (%(d)s) does not exist.") % {"d": value[6:14]}) from None
    if born > (today or date.today()) or born.year < 1890:
        raise InvalidIdNumber(_("The birth date inside the ID number (%(d)s) is impossible.") % {"d": value[6:14]})
    if value[17] != ric.calc_check_digit(value):
        raise InvalidIdNumber(_("The check digit (last character) is wrong: the number was mistyped."))
    if not _place_known(value[:6]):
        raise InvalidIdNumber(_("The region code %(code)s of the ID number did not exist.") % {"code": value[:6]})
    return IdNumber(value=value, birth_date=born, sex="male" if int(value[16]) % 2 else "female")


def is_valid(raw) -> bool:
    try:
        parse(raw)
    except InvalidIdNumber:
        return False
    return True


def with_check_digit(first17: str) -> str:
    """Complete 17 digits with their check digit (for generated and test data)."""
    return first17 + ric.calc_check_digit(first17 + "0")
