"""Reporting periods: a month, a quarter, a half-year, a year, or any run of whole months."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Period:
    start: date  # the first day of a month
    end: date  # the last day of a month

    @classmethod
    def of_months(cls, year: int, first: int, last: int) -> Period:
        return cls(date(year, first, 1), date(year, last, calendar.monthrange(year, last)[1]))

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        return cls.of_months(year, month, month)

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        return cls.of_months(year, 3 * quarter - 2, 3 * quarter)

    @classmethod
    def half(cls, year: int, half: int) -> Period:
        return cls.of_months(year, 6 * half - 5, 6 * half)

    @classmethod
    def year(cls, year: int) -> Period:
        return cls.of_months(year, 1, 12)

    @classmethod
    def between(cls, start: date, end: date) -> Period:
        """The whole months from ``start``'s to ``end``'s."""
        if end < start:
            raise ValidationError(_("The period ends before it starts."))
        return cls(start.replace(day=1), end.replace(day=calendar.monthrange(end.year, end.month)[1]))

    @classmethod
    def parse(cls, text: str) -> Period:
        """``2026`` · ``2026-H1`` · ``2026-Q3`` · ``2026-10`` · ``2026-03..2026-08``."""
        text = (text or "").strip()
        try:
            if m := re.fullmatch(r"(\d{4})", text):
                return cls.year(int(m[1]))
            if m := re.fullmatch(r"(\d{4})-[Hh]([12])", text):
                return cls.half(int(m[1]), int(m[2]))
            if m := re.fullmatch(r"(\d{4})-[Qq]([1-4])", text):
                return cls.quarter(int(m[1]), int(m[2]))
            if m := re.fullmatch(r"(\d{4})-(\d{1,2})", text):
                return cls.month(int(m[1]), int(m[2]))
            if m := re.fullmatch(r"(\d{4})-(\d{1,2})\.\.(\d{4})-(\d{1,2})", text):
                return cls.between(date(int(m[1]), int(m[2]), 1), date(int(m[3]), int(m[4]), 1))
        except ValueError:
            pass
        raise ValidationError(
            _("“%(text)s” is not a period. Write 2026, 2026-H1, 2026-Q3, 2026-10 or 2026-03..2026-08.") % {"text": text}
        )

    @property
    def key(self) -> str:
        months = self.months
        (y1, m1), (y2, m2) = months[0], months[-1]
        if len(months) == 12 and m1 == 1:
            return f"{y1}"
        if len(months) == 6 and m1 in (1, 7):
            return f"{y1}-H{1 if m1 == 1 else 2}"
        if len(months) == 3 and m1 in (1, 4, 7, 10):
            return f"{y1}-Q{(m1 + 2) // 3}"
        if len(months) == 1:
            return f"{y1}-{m1:02d}"
        return f"{y1}-{m1:02d}..{y2}-{m2:02d}"

    @property
    def label(self) -> str:
        key = self.key
        months = self.months
        y1, m1 = months[0]
        if re.fullmatch(r"\d{4}", key):
            return _("%(year)s") % {"year": y1} + _(" (year)")
        if "-H" in key:
            return _("%(year)s, first half") % {"year": y1} if m1 == 1 else _("%(year)s, second half") % {"year": y1}
        if "-Q" in key:
            return _("%(year)s, quarter %(q)s") % {"year": y1, "q": (m1 + 2) // 3}
        if len(months) == 1:
            return _("%(year)s-%(month)02d") % {"year": y1, "month": m1}
        return _("%(start)s to %(end)s") % {"start": self.start.isoformat(), "end": self.end.isoformat()}

    @property
    def months(self) -> list[tuple[int, int]]:
        out, y, m = [], self.start.year, self.start.month
        while (y, m) <= (self.end.year, self.end.month):
            out.append((y, m))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out

    @property
    def years(self) -> list[int]:
        return sorted({y for y, _m in self.months})

    @property
    def share_of_year(self) -> Decimal:
        return Decimal(len(self.months)) / Decimal(12)

    def elapsed(self, today: date) -> Decimal:
        """The share of the period gone by on ``today`` (0 before it, 1 after it)."""
        if today < self.start:
            return Decimal(0)
        if today >= self.end:
            return Decimal(1)
        days = (self.end - self.start).days + 1
        return Decimal((today - self.start).days + 1) / Decimal(days)

    def elapsed_months(self, today: date) -> list[tuple[int, int]]:
        """The months of the period that have begun by ``today``."""
        return [(y, m) for y, m in self.months if date(y, m, 1) <= today]
