"""What the three files of a report show, read from the report's snapshot and text only.

:func:`document` turns a :class:`~shegong.reports.models.Report` (saved or not: the CLI makes files
of live figures without saving anything) into plain rows with Chinese headings. Nothing here reads
the records: an approved report's files can be made again years later and say the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from .models import Status
from .snapshot import SERIES_ZH, STATUS_ZH

FONT = "Noto Sans CJK SC"  # Debian: fonts-noto-cjk
FONT_FALLBACKS = ('"Noto Sans CJK SC"', '"Noto Serif CJK SC"', '"Source Han Sans SC"', '"WenQuanYi Micro Hei"',
                  '"Microsoft YaHei"', "sans-serif")
STATUS_WORDS = {Status.DRAFT: "草稿", Status.SUBMITTED: "已报送，待审核", Status.RETURNED: "已退回修改", Status.APPROVED: "已审核通过"}
KPI_HEADERS = ("指标", "完成", "目标", "完成率", "状态", "目标来源")
CATEGORY_HEADERS = ("对象类别", "对象人数", "已走访（人）", "走访率（%）")
# The figures the children tables of the Word and PDF files show (the workbook shows them all).
CHILD_KEYS = ("cases", "groups_valid", "activities", "publicity", "visit_new", "visit_others", "staffing")


def number(text) -> Decimal | None:
    """A snapshot value ("22.20", "118.0", None) as a number, without trailing zeros."""
    if text in (None, ""):
        return None
    try:
        value = Decimal(str(text))
    except InvalidOperation:
        return None
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def show(text, unit: str = "") -> str:
    """A snapshot value as the documents print it: ``22.2%``, ``118``, ``—``."""
    value = number(text)
    if value is None:
        return "—"
    return f"{value:f}{'%' if unit == '%' else ''}"


@dataclass
class Figure:
    key: str
    label: str
    unit: str
    actual: Decimal | None
    target: Decimal | None
    completion: Decimal | None
    status: str
    status_zh: str
    source: str

    @property
    def name(self) -> str:
        return f"{self.label}（{self.unit}）" if self.unit else self.label

    def cells(self) -> list[str]:
        """The six printed cells: 指标, 完成, 目标, 完成率, 状态, 目标来源."""
        return [self.label, show(self.actual, self.unit) + ("" if self.unit == "%" else f" {self.unit}"),
                show(self.target, self.unit) + ("" if self.unit == "%" or self.target is None else f" {self.unit}"),
                show(self.completion, "%"), self.status_zh, self.source or "—"]


@dataclass
class Child:
    code: str
    name: str
    stations: int
    figures: dict[str, Figure]


@dataclass
class Document:
    title: str
    kind_zh: str
    period_zh: str
    period_start: str
    period_end: str
    place: str
    writer_unit: str  # 报送单位
    contract: str
    status: str
    status_zh: str
    revision: int
    as_of: str
    taken_at: datetime | None
    elapsed: str
    stations: int
    sections: list[tuple[str, str]]  # (heading, text) of the sections with text
    figures: list[Figure]
    months: list[str]
    series: list[tuple[str, list[Decimal | None]]]  # (heading, value per month)
    domains: list[tuple[str, list[Decimal | None], Decimal | None]]
    children_title: str
    children: list[Child]
    categories: list[tuple[str, Decimal | None, Decimal | None, Decimal | None]]
    steps: list[tuple[str, str]] = field(default_factory=list)  # (what, who and when) for the cover

    @property
    def child_keys(self) -> list[str]:
        keys = [f.key for f in self.figures]
        return [k for k in CHILD_KEYS if k in keys]

    def figure(self, key) -> Figure | None:
        return next((f for f in self.figures if f.key == key), None)

    @property
    def stamp(self) -> datetime:
        """The moment the files say they were made: when the figures were taken (so that the same
        report always makes the same files)."""
        return self.taken_at or datetime(2000, 1, 1)


def _figure(data: dict) -> Figure:
    status = data.get("status") or "no_target"
    return Figure(
        key=data.get("key", ""), label=str(data.get("label", "")), unit=str(data.get("unit", "")),
        actual=number(data.get("actual")), target=number(data.get("target")), completion=number(data.get("completion")),
        status=status, status_zh=STATUS_ZH.get(status, status), source=str(data.get("source") or ""),
    )


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _day(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _name(user) -> str:
    return str(user) if user is not None else ""


def document(report) -> Document:
    """The contents of ``report``'s files."""
    snap = report.snapshot or {}
    meta = snap.get("report") or {}
    operator = (meta.get("operator") or {}).get("name", "")
    place = (meta.get("place") or {}).get("name", "") or getattr(report.region, "name", "")
    contract = (meta.get("contract") or {}).get("number", "")
    code = (meta.get("place") or {}).get("code", report.region_id or "")
    if report.operator_id or operator:
        children_title = "各站点情况"
        writer_unit = operator
    else:
        children_title = "各县（市、区）情况" if len(code) == 4 else "各乡镇（街道）情况"
        writer_unit = f"{place}民政局"
    months = list(snap.get("months") or [])
    series_data = snap.get("series") or {}
    series = [(heading, [number(v) for v in series_data.get(key, [])]) for key, heading in SERIES_ZH if key in series_data]
    domains = [(d.get("name", ""), [number(v) for v in d.get("by_month", [])], number(d.get("total"))) for d in snap.get("domains") or []]
    children = [
        Child(code=c.get("code", ""), name=c.get("name", ""), stations=int(c.get("stations") or 0),
              figures={k: _figure(v) for k, v in (c.get("figures") or {}).items()})
        for c in snap.get("children") or []
    ]
    categories = [(c.get("label", ""), number(c.get("people")), number(c.get("visited")), number(c.get("rate")))
                  for c in snap.get("categories") or []]
    taken = meta.get("taken_at")
    taken_at = datetime.fromisoformat(taken) if taken else None
    steps = []
    if getattr(report, "submitted_at", None):
        steps.append(("报送", f"{_name(report.submitted_by)} {_when(report.submitted_at)}".strip()))
    if report.status == Status.RETURNED and report.returned_at:
        steps.append(("退回", f"{_name(report.returned_by)} {_when(report.returned_at)}".strip()))
    if report.status == Status.APPROVED and report.approved_at:
        steps.append(("审核", f"{_name(report.approved_by)} {_when(report.approved_at)}".strip()))
    return Document(
        title=report.title, kind_zh=meta.get("kind_zh", ""), period_zh=meta.get("period_zh", ""),
        period_start=_day(report.period_start), period_end=_day(report.period_end),
        place=place, writer_unit=writer_unit, contract=contract, status=report.status,
        status_zh=STATUS_WORDS.get(report.status, report.status), revision=report.revision,
        as_of=snap.get("as_of", ""), taken_at=taken_at, elapsed=str(snap.get("elapsed", "")),
        stations=int(snap.get("stations") or 0),
        sections=[(heading, text.strip()) for _name_, heading, text in report.narrative() if text and text.strip()],
        figures=[_figure(f) for f in snap.get("figures") or []], months=months, series=series, domains=domains,
        children_title=children_title, children=children, categories=categories, steps=steps,
    )


CHINESE_NUMERALS = "一二三四五六七八九十"


def numbered(index: int, heading: str) -> str:
    """``一、工作概述``."""
    return f"{CHINESE_NUMERALS[index] if index < len(CHINESE_NUMERALS) else index + 1}、{heading}"
