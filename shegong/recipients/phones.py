"""Phone numbers as township lists write them: normalised, then checked loosely (mobile or landline)."""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import gettext as _

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}\d{7,8}$|^\d{7,8}$")


class InvalidPhone(ValueError):
    pass


def normalise(raw) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = unicodedata.normalize("NFKC", str(raw)).strip()
    if text.startswith("+86"):
        text = text[3:]
    return "".join(ch for ch in text if ch.isdigit())


def parse(raw) -> str:
    """The phone number in ``raw`` (digits only; empty allowed) or :class:`InvalidPhone`."""
    digits = normalise(raw)
    if not digits:
        if raw is not None and str(raw).strip():
            raise InvalidPhone(_("The phone number holds no digits."))
        return ""
    if _MOBILE.match(digits) or _LANDLINE.match(digits):
        return digits
    raise InvalidPhone(_("“%(value)s” is neither an 11-digit mobile number nor a landline number.") % {"value": str(raw).strip()[:20]})
