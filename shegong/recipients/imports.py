"""Importing township lists of recipients (名单导入) and reconciling the registry with them (名单比对).

A township sends its lists as Excel workbooks or CSV files, laid out for printing: a title row,
sometimes a subtitle, Chinese headers in many variants, merged cells, ID numbers typed in every way
Excel allows. The engine reads such a list, checks every row against the ID rules, the region
table and the registry, shows what would change (the preview), and writes all of it in one
transaction, or nothing.

Flow: ``create_batch`` (store the upload) → ``check`` / ``schedule_check`` (preview, error workbook)
→ ``commit`` / ``schedule_commit`` (re-check against the registry as it is now, then write) or
``discard``. ``read_rows`` is the reader everything else uses.

The headers and cell values are the words people type in the sheet (姓名, 低保, 户主 …): Chinese
data here, not interface text. Messages are English msgids, shown in the active language.

Speed: a list of 100,000 rows is read with python-calamine (streamed row by row), looked up in the
registry 5,000 ID blind indexes at a time, and written with COPY on PostgreSQL and executemany on
SQLite, inside one transaction — never one query per row.
"""

from __future__ import annotations

import csv
import gc
import io
import re
import unicodedata
import uuid
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from itertools import batched, islice
from operator import mul
from pathlib import PurePath

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import NOT_PROVIDED, F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shegong.core import audit, crypto
from shegong.core.masking import mask_id_number
from shegong.core.scoping import CHANGE
from shegong.core.uploads import MAX_UPLOAD_BYTES
from shegong.regions.models import Level, Region

from . import idnumber, phones, pinyin, services
from .models import (
    ACTIVE_STATUSES,
    ID_PURPOSE,
    Category,
    CategoryMembership,
    Household,
    ImportBatch,
    ImportKind,
    ImportState,
    Recipient,
    Relation,
    Sex,
    Status,
    StatusChange,
    TimelineEntry,
)
from .services import village_sound_keys

CHUNK = 5000  # rows looked up in the registry (and written) at a time
PREVIEW_ROWS = 200  # rows of each class kept for display
MAX_ERRORS = 5000  # error messages kept for display (the error workbook has them all)
HEADER_SCAN_ROWS = 10  # the header is among the first rows that hold anything
INLINE_MAX_ROWS = 3000  # lists up to this size are checked and written during the request
INLINE_MAX_BYTES = 1024 * 1024
PROGRESS_EVERY = 1000  # rows between two progress updates
ERROR_COLUMN = "错误说明"  # the column added to the error workbook (a Chinese data header, like the others)

# --- What the columns are called ----------------------------------------------------------

HEADERS = {
    "name": ("姓名",),
    "id_number": ("身份证号", "身份证号码", "公民身份号码", "公民身份证号码", "证件号码", "身份证", "身份证件号码"),
    "sex": ("性别",),
    "birth_date": ("出生日期", "出生年月", "出生年月日"),
    "phone": ("联系电话", "联系方式", "手机号", "手机号码", "电话", "电话号码", "手机"),
    "registered_address": ("户籍地址", "户籍所在地", "户口所在地"),
    "current_address": ("现住址", "现居住地址", "家庭住址", "住址", "居住地址", "现居住地", "家庭地址"),
    "village": (
        "所属村(社区)", "村(社区)", "所属村", "村居", "村(居)委会", "所属社区", "村(居)", "所在村(社区)",
        "所在村", "村(社区)名称", "村社区", "村委会", "社区",
    ),
    "categories": ("人员类别", "救助类别", "对象类别", "类别", "保障类别", "对象类型", "人员类型"),
    "head_name": ("户主姓名", "户主"),
    "relation": ("与户主关系", "家庭关系", "关系"),
    "guardian_name": ("监护人", "监护人姓名"),
    "guardian_phone": ("监护人电话", "监护人联系电话", "监护人联系方式"),
    "ignored": ("序号", "编号"),
}
TEMPLATE_HEADERS = (
    "序号", "姓名", "身份证号", "性别", "出生日期", "联系电话", "户籍地址", "现住址", "所属村(社区)", "人员类别",
    "户主姓名", "与户主关系", "监护人姓名", "监护人电话",
)
REQUIRED_FIELDS = ("name", "id_number", "village", "categories")

CATEGORY_WORDS = {
    Category.DIBAO: ("低保", "低保户", "低保对象", "城乡低保", "农村低保", "城市低保", "城镇低保", "最低生活保障"),
    Category.DIBAO_EDGE: ("低保边缘", "低保边缘户", "低保边缘家庭", "低边"),
    Category.TEKUN: ("特困", "特困供养", "特困人员", "特困供养人员", "五保", "五保户", "分散供养特困", "集中供养特困"),
    Category.DISABLED: ("残疾", "残疾人"),
    Category.ORPHAN: ("孤儿",),
    Category.UNATTENDED_CHILD: ("事实无人抚养儿童",),
    Category.LEFT_BEHIND_CHILD: ("留守儿童",),
    Category.LEFT_BEHIND_ELDERLY: ("留守老人", "留守老年人"),
    Category.LIVING_ALONE_ELDERLY: ("独居老人", "独居老年人"),
    Category.EMPTY_NEST_ELDERLY: ("空巢老人", "空巢老年人"),
    Category.DISABLED_ELDERLY: ("失能老人", "失能", "失能老年人", "失能半失能老人"),
    Category.FAMILY_PLANNING: ("计生特殊家庭", "计划生育特殊家庭", "失独", "失独家庭"),
    Category.VAGRANT: ("流浪乞讨", "流浪乞讨人员"),
    Category.LEFT_BEHIND_WOMAN: ("留守妇女",),
    Category.TEMPORARY_ASSISTANCE: ("临时救助", "临时救助对象"),
}
RELATION_WORDS = {
    Relation.HEAD: ("户主", "本人"),
    Relation.SPOUSE: ("配偶", "妻", "夫", "妻子", "丈夫", "爱人"),
    Relation.CHILD: ("子", "女", "儿子", "女儿", "长子", "次子", "三子", "四子", "长女", "次女", "三女", "四女", "独子",
                     "独女", "养子", "养女", "继子", "继女"),
    Relation.PARENT: ("父亲", "母亲", "父", "母", "公公", "婆婆", "岳父", "岳母", "继父", "继母"),
    Relation.GRANDCHILD: ("孙子", "孙女", "外孙", "外孙子", "外孙女"),
    Relation.GRANDPARENT: ("祖父", "祖母", "外祖父", "外祖母", "爷爷", "奶奶", "姥爷", "姥姥"),
    Relation.SIBLING: ("兄", "弟", "姐", "妹", "哥哥", "弟弟", "姐姐", "妹妹", "兄弟", "姐妹"),
    Relation.CHILD_IN_LAW: ("儿媳", "女婿", "儿媳妇"),
}
SEX_WORDS = {"男": Sex.MALE, "男性": Sex.MALE, "女": Sex.FEMALE, "女性": Sex.FEMALE}
FOOTER_WORDS = ("合计", "总计", "小计", "备注", "说明", "注:", "注：", "制表", "审核", "填表", "负责人", "单位负责人")
VILLAGE_SUFFIXES = ("村民委员会", "居民委员会", "社区居委会", "村委会", "居委会", "社区", "村")
_SPLIT_CATEGORIES = re.compile(r"[、，,/／；;\s]+")
_SPLIT_PHONES = re.compile(r"[/／、，,；;]")
_PLAIN_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")  # a subset of what phones.parse accepts unchanged
_SCIENTIFIC = re.compile(r"^\d(\.\d+)?[eE]\+?\d+$")
_TEXT_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:[-/.月]\s*(\d{1,2})\s*日?)?\s*月?$")
_EXCEL_EPOCH = date(1899, 12, 30)


class ImportFileError(ValueError):
    """The file as a whole cannot be read (wrong type, empty, no header); ``str(exc)`` says why."""


def _norm(text) -> str:
    """Full-width to half-width, no spaces (headers, village names, category words)."""
    return "".join(unicodedata.normalize("NFKC", str(text)).split())


_HEADER_INDEX = {_norm(h): fld for fld, names in HEADERS.items() for h in names}
_CATEGORY_INDEX = {_norm(w): code for code, words in CATEGORY_WORDS.items() for w in words}
_HEAD = Relation.HEAD.value
_RELATION_INDEX = {w: str(code.value) for code, words in RELATION_WORDS.items() for w in words}


def header_field(text) -> str | None:
    """The field a header names (``"身份证号码"`` → ``"id_number"``), None when unknown."""
    key = _norm(text).strip("*＊:：")
    return _HEADER_INDEX.get(key)


# --- Reading a sheet ----------------------------------------------------------------------


def _text(value) -> str:
    """A cell as text: whole floats without ``.0``, dates as ISO dates, no surrounding spaces."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


@dataclass(frozen=True)
class Column:
    index: int
    header: str  # as written in the sheet
    field: str | None  # None: not a column the import reads


@dataclass
class Sheet:
    """A township list opened for reading: where its header is, what its columns mean, its rows.

    ``rows()`` yields ``(row number as Excel shows it, values)`` for the data rows below the
    header, merged cells filled, blank rows and footer rows (合计, 备注, signatures) left out.
    """

    header_row: int
    columns: list[Column]
    rows_estimate: int
    _rows: Iterator = field(repr=False)

    @property
    def fields(self) -> dict[str, list[Column]]:
        out: dict[str, list[Column]] = {}
        for col in self.columns:
            if col.field and col.field != "ignored":
                out.setdefault(col.field, []).append(col)
        return out

    @property
    def unknown(self) -> list[str]:
        return [c.header for c in self.columns if c.field is None and c.header]

    def header_of(self, fld: str) -> str:
        cols = self.fields.get(fld)
        return cols[0].header if cols else HEADERS[fld][0]

    def rows(self) -> Iterator[tuple[int, list]]:
        name_cols = [c.index for c in self.fields.get("name", ())]
        id_cols = [c.index for c in self.fields.get("id_number", ())]
        for number, values in self._rows:
            if _is_person(values, name_cols, id_cols):
                yield number, values


def _is_person(values: list, name_cols: list[int], id_cols: list[int]) -> bool:
    """Whether a row below the header describes a person (not blank, not a total or a note)."""
    first = next((v for v in values if v not in ("", None)), None)
    if first is None:
        return False
    if isinstance(first, str) and first.strip().startswith(FOOTER_WORDS):
        return False
    return any(i < len(values) and values[i] not in ("", None) for i in (*name_cols, *id_cols))


def open_sheet(path) -> Sheet:
    """Open a list (.xlsx or .csv, told apart by content) and find its header row.

    Raises :class:`ImportFileError` for an unreadable or empty file or one without a header.
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
    except OSError as exc:
        raise ImportFileError(_("The uploaded file is no longer there; upload it again.")) from exc
    if head.startswith(b"PK\x03\x04"):
        raw_rows, estimate = _xlsx_rows(path)
    else:
        raw_rows, estimate = _csv_rows(path)
    scanned = []
    for number, values in raw_rows:
        if any(v not in ("", None) for v in values):
            scanned.append((number, values))
            if len(scanned) >= HEADER_SCAN_ROWS:
                break
    if not scanned:
        raise ImportFileError(_("The file is empty."))
    best, best_score = None, 0
    for position, (_number, values) in enumerate(scanned):
        found = {header_field(v) for v in values if isinstance(v, str) and v.strip()} - {None}
        if {"name", "id_number"} <= found and len(found) > best_score:
            best, best_score = position, len(found)
    if best is None:
        raise ImportFileError(
            _("No header row found in the first %(n)s rows: the list needs at least the columns 姓名 and 身份证号.")
            % {"n": HEADER_SCAN_ROWS}
        )
    header_number, header_values = scanned[best]
    columns = [Column(i, _text(v), header_field(v) if _text(v) else None) for i, v in enumerate(header_values)]
    rest = iter(scanned[best + 1:])
    rows = _chain(rest, raw_rows)
    return Sheet(header_row=header_number, columns=columns, rows_estimate=max(estimate - header_number, 0), _rows=rows)


def _chain(first: Iterator, then: Iterator) -> Iterator:
    yield from first
    yield from then


def _xlsx_rows(path) -> tuple[Iterator[tuple[int, list]], int]:
    """Rows of the first visible worksheet, merged ranges filled with their top-left value.

    calamine yields every row from the top of the sheet but the columns from the first used one;
    merged ranges come in absolute 0-based coordinates.
    """
    from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        visible = [m.name for m in workbook.sheets_metadata
                   if m.visible == SheetVisibleEnum.Visible and m.typ == SheetTypeEnum.WorkSheet] or workbook.sheet_names
        sheet = workbook.get_sheet_by_name(visible[0])
        start_col = sheet.start[1] if sheet.start else 0
        merged = sorted(sheet.merged_cell_ranges or [])
        rows = sheet.iter_rows()
        height = sheet.end[0] + 1 if sheet.end else 0
    except Exception as exc:  # calamine raises its own errors for damaged, foreign or locked files
        raise ImportFileError(_("The Excel file cannot be read: it may be damaged or protected by a password.")) from exc
    return _fill_merged(rows, merged, start_col), height


def _fill_merged(rows: Iterator[list], merged: list, start_col: int) -> Iterator[tuple[int, list]]:
    pending = [((r1, c1 - start_col), (r2, c2 - start_col)) for (r1, c1), (r2, c2) in merged]
    active: list[tuple[int, int, int, object]] = []  # (last row, first col, last col, value)
    position = 0
    for number, values in enumerate(rows):
        while position < len(pending) and pending[position][0][0] == number:
            (_r1, c1), (r2, c2) = pending[position]
            position += 1
            if r2 > number or c2 > c1:
                value = values[c1] if 0 <= c1 < len(values) else ""
                active.append((r2, c1, c2, value))
        if active:
            active = [a for a in active if a[0] >= number]
            for _r2, c1, c2, value in active:
                for c in range(max(c1, 0), min(c2, len(values) - 1) + 1):
                    values[c] = value
        yield number + 1, values


def _decode(raw: bytes) -> str:
    """CSV text: UTF-16 with a BOM (Excel's "Unicode text"), UTF-8 (with or without BOM), else
    GB18030 (Excel on Chinese Windows writes GBK)."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ImportFileError(_("The CSV file is neither UTF-8 nor GBK text. Save it from Excel as .xlsx and upload it again.")) from exc
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise ImportFileError(_("The CSV file is neither UTF-8 nor GBK text. Save it from Excel as .xlsx and upload it again.")) from exc


def _csv_rows(path) -> tuple[Iterator[tuple[int, list]], int]:
    with open(path, "rb") as fh:
        raw = fh.read()
    if b"\x00" in raw[:65536] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileError(_("Only Excel workbooks (.xlsx) and CSV files are accepted."))
    text = _decode(raw)
    del raw
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    return ((n, row) for n, row in enumerate(reader, start=1)), text.count("\n") + 1


def read_rows(path) -> Iterator[tuple[int, dict]]:
    """``(row number, {field: raw value})`` for every person row of the list at ``path``.

    Where two columns name the same field (联系电话 and 手机号), the first non-empty one counts.
    Raises :class:`ImportFileError` when the file cannot be read or has no header.
    """
    sheet = open_sheet(path)
    fields = sheet.fields
    for number, values in sheet.rows():
        yield number, _fields_of(values, fields)


def _fields_of(values: list, fields: dict[str, list[Column]]) -> dict:
    out = {}
    size = len(values)
    for fld, cols in fields.items():
        value = ""
        for col in cols:
            if col.index < size and values[col.index] not in ("", None):
                value = values[col.index]
                break
        out[fld] = value
    return out


# --- Understanding one row ----------------------------------------------------------------


@lru_cache(maxsize=4096)
def parse_categories(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``"低保、残疾人"`` → ``(("dibao", "disabled"), ())``; unknown words come second."""
    found, unknown = [], []
    for word in _SPLIT_CATEGORIES.split(unicodedata.normalize("NFKC", text)):
        word = word.strip()
        if not word:
            continue
        code = _CATEGORY_INDEX.get(word)
        if code is None and word.endswith(("对象", "人员", "家庭", "户")):
            code = _CATEGORY_INDEX.get(re.sub(r"(对象|人员|家庭|户)$", "", word))
        if code is None:
            unknown.append(word)
        elif code not in found:
            found.append(code)
    return tuple(sorted(found)), tuple(unknown)


@lru_cache(maxsize=1024)
def parse_relation(text: str) -> str:
    """A relation to the head as written (户主, 长子, 外孙女 …) → a ``Relation`` code ('' if blank)."""
    word = _norm(text)
    if not word:
        return ""
    if word in _RELATION_INDEX:
        return _RELATION_INDEX[word]
    for marks, code in (
        ("孙", Relation.GRANDCHILD), ("祖", Relation.GRANDPARENT), ("媳婿", Relation.CHILD_IN_LAW),
    ):
        if any(m in word for m in marks):
            return code.value
    if word.endswith(("子", "女")):
        return Relation.CHILD.value
    if word[-1] in "兄弟姐妹哥":
        return Relation.SIBLING.value
    if word[-1] in "父母":
        return Relation.PARENT.value
    return Relation.OTHER.value


def parse_date(value) -> date | tuple[int, int] | None:
    """A birth date as lists write it: a date cell, an Excel serial, 1950-03-04, 1950/3/4,
    1950年3月4日, 1950.03.04, 19500304 — or only year and month (1950.03, 1950年3月), returned as
    ``(year, month)``. None when blank; ValueError when not a date."""
    if value in ("", None):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
        if number.is_integer() and 19000101 <= number <= 29991231:
            return _ymd(str(int(number)))
        if 1 <= number < 100000:
            return _EXCEL_EPOCH + timedelta(days=int(number))
        raise ValueError(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    text = text.split(" ")[0].split("T")[0] if re.match(r"^\d{4}-\d{2}-\d{2}[ T]", text) else text
    if text.isdigit() and len(text) == 8:
        return _ymd(text)
    match = _TEXT_DATE.match(text)
    if not match:
        raise ValueError(value)
    year, month, day = int(match[1]), int(match[2]), match[3]
    if day is None:
        if not 1 <= month <= 12:
            raise ValueError(value)
        return (year, month)
    return date(year, month, int(day))


def _ymd(text: str) -> date:
    return date(int(text[:4]), int(text[4:6]), int(text[6:8]))


class Villages:
    """The villages and communities of one township, found by the names lists give them.

    Lists write 腾鳌村, 腾鳌村村委会 or 腾鳌镇腾鳌村 where the region table says 腾鳌村村民委员会:
    a name is compared without the county's and a township's name in front and without the
    suffixes 村民委员会 / 村委会 / 居民委员会 / 居委会 / 社区 / 村. Villages of the other townships of
    the county are known too, so that a row placed there is told where that village is.
    """

    def __init__(self, township: Region):
        self.township = township
        self.own: dict[str, list[tuple[str, str]]] = {}
        self.exact: dict[str, tuple[str, str]] = {}
        self.elsewhere: dict[str, str] = {}
        county_code = township.code[:6]
        places = Region.objects.filter(code__under=county_code, level__in=(Level.COUNTY, Level.TOWNSHIP))
        names = dict(places.values_list("code", "name"))
        self.county_prefix = _norm(names.get(county_code, ""))
        self.township_prefixes = sorted((_norm(n) for c, n in names.items() if len(c) == 9), key=len, reverse=True)
        villages = Region.objects.filter(code__under=county_code, level=Level.VILLAGE)
        for code, name, parent in villages.values_list("code", "name", "parent_id"):
            if parent == township.code:
                self.exact[_norm(name)] = (code, name)
                self.own.setdefault(village_key(name), []).append((code, name))
            else:
                self.elsewhere.setdefault(village_key(name), names.get(parent, parent))
        self._cache: dict[str, tuple] = {}

    def _without_places(self, text: str) -> str:
        """``海城市腾鳌镇金甲村`` → ``金甲村``."""
        if self.county_prefix and text.startswith(self.county_prefix) and len(text) > len(self.county_prefix):
            text = text[len(self.county_prefix):]
        for prefix in self.township_prefixes:
            if text.startswith(prefix) and len(text) > len(prefix):
                return text[len(prefix):]
        return text

    def resolve(self, text: str) -> tuple[str | None, str]:
        """``(code, name)`` of the village, or ``(None, message)``."""
        found = self._cache.get(text)
        if found is None:
            found = self._cache[text] = self._resolve(text)
        return found

    def _resolve(self, text: str) -> tuple[str | None, str]:
        plain = self._without_places(_norm(text))
        exact = self.exact.get(_norm(text)) or self.exact.get(plain)
        if exact:
            return exact
        key = village_key(plain)
        matches = self.own.get(key, [])
        if len(matches) == 1:
            return matches[0]
        if matches:
            return None, _("“%(value)s” matches several villages of %(township)s: %(names)s. Write the full name.") % {
                "value": text, "township": self.township.name, "names": "、".join(n for _c, n in matches)}
        other = self.elsewhere.get(key)
        if other:
            return None, _("“%(value)s” belongs to %(other)s, not to %(township)s: a list is imported into its own township only.") % {
                "value": text, "other": other, "township": self.township.name}
        return None, _("“%(value)s” is not a village or community of %(township)s.") % {"value": text, "township": self.township.name}


def village_key(name: str) -> str:
    """A village's name without its suffixes: 腾鳌村村民委员会, 腾鳌村村委会, 腾鳌村 → 腾鳌."""
    text = _norm(name)
    stripped = True
    while stripped:
        stripped = False
        for suffix in VILLAGE_SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix):
                text = text[: -len(suffix)]
                stripped = True
                break
    return text


class Row:
    """One person row of a list, understood: values normalised, errors collected."""

    __slots__ = (
        "number", "name", "id", "index", "indexes", "id_masked", "phone", "village", "village_name", "categories",
        "head_name", "relation", "is_head", "registered_address", "current_address", "guardian_name",
        "guardian_phone", "errors", "existing", "open", "household", "changes", "added", "duplicate",
    )

    def __init__(self, number: int):
        self.number = number
        self.errors: list[tuple[str, str]] = []
        self.id = self.index = self.existing = self.household = None
        self.indexes: list[str] = []
        self.name = self.id_masked = self.phone = self.village = self.village_name = self.head_name = ""
        self.relation = self.registered_address = self.current_address = self.guardian_name = self.guardian_phone = ""
        self.categories: tuple[str, ...] = ()
        self.is_head = self.duplicate = False
        self.open: set[str] = set()
        self.changes: list[str] = []
        self.added: tuple[str, ...] = ()


class RowReader:
    """Turns raw rows of one sheet into :class:`Row` objects (everything that needs no registry)."""

    LIMITS = {"name": 50, "head_name": 50, "guardian_name": 50, "registered_address": 200, "current_address": 200}

    def __init__(self, sheet: Sheet, villages: Villages):
        self.sheet = sheet
        self.fields = sheet.fields
        self.villages = villages
        self.label = {fld: sheet.header_of(fld) for fld in HEADERS}
        self.ids = IdParser()
        self.single = [(fld, cols[0].index) for fld, cols in self.fields.items() if len(cols) == 1]
        self.multi = {fld: cols for fld, cols in self.fields.items() if len(cols) > 1}

    def read(self, number: int, values: list) -> Row:
        size = len(values)
        cells = {fld: values[i] if i < size else "" for fld, i in self.single}
        if self.multi:
            cells.update(_fields_of(values, self.multi))
        row = Row(number)
        label = self.label
        get = cells.get
        row.name = self._limited(row, "name", "".join(_text(get("name")).split()))
        row.head_name = self._limited(row, "head_name", "".join(_text(get("head_name")).split()))
        row.guardian_name = self._limited(row, "guardian_name", "".join(_text(get("guardian_name")).split()))
        row.registered_address = self._limited(row, "registered_address", _text(get("registered_address")))
        row.current_address = self._limited(row, "current_address", _text(get("current_address")))
        if not row.name:
            row.errors.append((label["name"], _("The name is required.")))
        self._id(row, get("id_number"))
        if get("sex") or get("birth_date"):
            self._sex_and_birth(row, cells)
        row.phone = self._phone(row, get("phone"), "phone")
        row.guardian_phone = self._phone(row, get("guardian_phone"), "guardian_phone")
        self._village(row, _text(get("village")))
        categories, unknown = parse_categories(_text(get("categories")))
        if unknown or not categories:
            for word in unknown:
                row.errors.append((label["categories"], _("Unknown category “%(value)s”.") % {"value": word}))
            if not unknown:
                row.errors.append((label["categories"], _("At least one category is required.")))
        row.categories = categories
        relation = parse_relation(_text(get("relation")))
        if not relation and row.head_name and row.head_name == row.name:
            relation = _HEAD
        row.relation = relation
        if relation == _HEAD:
            row.is_head = True
            if not row.head_name:
                row.head_name = row.name
        return row

    def _limited(self, row: Row, fld: str, text: str) -> str:
        limit = self.LIMITS[fld]
        if len(text) > limit:
            row.errors.append((self.label[fld], _("Longer than %(n)s characters.") % {"n": limit}))
            return text[:limit]
        return text

    def _village(self, row: Row, text: str) -> None:
        if not text:
            row.errors.append((self.label["village"], _("The village or community is required.")))
            return
        code, name = self.villages.resolve(text)
        if code is None:
            row.errors.append((self.label["village"], name))
        else:
            row.village, row.village_name = code, name

    def _id(self, row: Row, raw) -> None:
        label = self.label["id_number"]
        if raw in ("", None):
            row.errors.append((label, _("The ID number is required.")))
            return
        text = _text(raw)
        if isinstance(raw, float) or _SCIENTIFIC.match(text):
            row.errors.append((label, _(
                "The ID number was stored as a number, so Excel dropped its last digits (%(value)s). Format the "
                "column as text, type the numbers again, and upload the file again."
            ) % {"value": text}))
            return
        try:
            parsed = self.ids.parse(text)
        except idnumber.InvalidIdNumber as exc:
            row.errors.append((label, str(exc)))
            return
        row.id = parsed
        row.indexes = crypto.blind_indexes(parsed.value, ID_PURPOSE)
        row.index = row.indexes[0]
        row.id_masked = mask_id_number(parsed.value)

    def _sex_and_birth(self, row: Row, cells: dict) -> None:
        sex_text = _norm(_text(cells.get("sex")))
        if sex_text:
            sex = SEX_WORDS.get(sex_text)
            if sex is None:
                row.errors.append((self.label["sex"], _("“%(value)s” is not a sex: write 男 or 女.") % {"value": sex_text}))
            elif row.id and sex != row.id.sex:
                row.errors.append((self.label["sex"], _("The sex does not match the ID number (%(sex)s).") % {"sex": Sex(row.id.sex).label}))
        raw = cells.get("birth_date")
        try:
            born = parse_date(raw)
        except (ValueError, OverflowError):
            row.errors.append((self.label["birth_date"], _("“%(value)s” is not a date: write it like 1950-03-04.") % {"value": _text(raw)}))
            return
        if born is None or row.id is None:
            return
        expected = row.id.birth_date
        same = born == (expected.year, expected.month) if isinstance(born, tuple) else born == expected
        if not same:
            row.errors.append((self.label["birth_date"], _("The birth date does not match the ID number.")))

    def _phone(self, row: Row, raw, fld: str) -> str:
        if raw in ("", None):
            return ""
        if isinstance(raw, float) and raw.is_integer():
            raw = str(int(raw))
        elif isinstance(raw, str) and _SPLIT_PHONES.search(raw):
            raw = next((p for p in _SPLIT_PHONES.split(raw) if p.strip()), "")
        if isinstance(raw, str) and _PLAIN_MOBILE.match(raw):
            return raw  # what phones.parse returns for it, at a tenth of the cost
        try:
            return phones.parse(raw)
        except phones.InvalidPhone as exc:
            row.errors.append((self.label[fld], str(exc)))
            return ""


_ID_WEIGHTS = tuple(pow(2, 17 - i, 11) for i in range(17))
_ID_ASCII_OFFSET = ord("0") * sum(_ID_WEIGHTS)
_ID_CHECK = "10X98765432"


class IdParser:
    """``idnumber.parse`` with a fast path for the common case, for lists of 100,000 rows.

    ``idnumber.parse`` is the authority: every number whose county code it has not yet accepted
    in this list goes through it (so do all invalid numbers, for its messages). Once it has
    accepted a code, further plain 18-character numbers of that code are checked here — the
    same check digit, birth date and sex arithmetic, without python-stdnum's cleaning (most of
    the cost of a row). Equivalence is tested against ``idnumber.parse``.
    """

    def __init__(self):
        self.places: set[str] = set()
        self.births: dict[str, date | None] = {}
        self.today = date.today()

    def parse(self, text: str) -> idnumber.IdNumber:
        value = text.upper()
        if len(value) == 18 and value[:6] in self.places and value.isascii() and value[:17].isdigit():
            born = self._birth(value[6:14])
            total = sum(map(mul, value[:17].encode(), _ID_WEIGHTS)) - _ID_ASCII_OFFSET
            if born is not None and value[17] == _ID_CHECK[total % 11]:
                return idnumber.IdNumber(value=value, birth_date=born, sex="male" if int(value[16]) % 2 else "female")
        parsed = idnumber.parse(text)
        self.places.add(parsed.value[:6])
        return parsed

    def _birth(self, digits: str) -> date | None:
        """The birth date of eight digits, None when impossible (memoised: lists repeat dates)."""
        if digits in self.births:
            return self.births[digits]
        try:
            born = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
        except ValueError:
            born = None
        if born is not None and not (1890 <= born.year and born <= self.today):
            born = None
        self.births[digits] = born
        return born


# --- Uploading ----------------------------------------------------------------------------


def _sniff_list(upload) -> str:
    """The suffix to store an uploaded list under (.xlsx or .csv), judged by content, or
    ValidationError saying what the file is instead."""
    upload.seek(0)
    head = upload.read(65536)
    upload.seek(0)
    if head.startswith(b"PK\x03\x04"):
        try:
            names = set(zipfile.ZipFile(upload).namelist())
        except zipfile.BadZipFile:
            names = set()
        finally:
            upload.seek(0)
        if "xl/workbook.xml" in names:
            return ".xlsx"
        if "word/document.xml" in names:
            raise ValidationError(_("This is a Word document, not an Excel workbook. Save the list as an Excel workbook (.xlsx) and upload it again."))
        raise ValidationError(_("Only Excel workbooks (.xlsx) and CSV files are accepted."))
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ValidationError(_("This is an old-format Excel file (.xls). Open it in Excel or WPS, save it as an Excel workbook (.xlsx) and upload it again."))
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return ".csv"  # UTF-16 text, as Excel saves "Unicode text"
    if b"\x00" in head or not _is_text(head):
        raise ValidationError(_("Only Excel workbooks (.xlsx) and CSV files are accepted."))
    return ".csv"


def _is_text(head: bytes) -> bool:
    for encoding in ("utf-8-sig", "gb18030"):
        for cut in range(4):  # the sample may end inside a character
            try:
                text = head[: len(head) - cut].decode(encoding)
            except UnicodeDecodeError:
                continue
            return all(ch.isprintable() or ch in "\r\n\t" for ch in text[:4096])
    return False


def _township(code: str) -> Region:
    code = (code or "").strip()
    region = Region.objects.filter(code=code, level=Level.TOWNSHIP).first() if len(code) == 9 and code.isdigit() else None
    if region is None:
        raise ValidationError({"township": _("Choose a township (a 9-digit region code).")})
    return region


def create_batch(user, uploaded_file, township_code: str, kind: str = ImportKind.IMPORT) -> ImportBatch:
    """Store an uploaded list for checking. Raises ValidationError (bad file, township or mode)
    or PermissionDenied (the user may not change recipients there); nothing is stored then."""
    township = _township(township_code)
    if kind not in ImportKind.values:
        raise ValidationError({"kind": _("Choose import or reconcile.")})
    if not services.may_change(user, township.code):
        audit.record("recipient.import_upload", actor=user, result=audit.Result.DENIED, region_code=township.code,
                     detail={"township": township.code})
        raise PermissionDenied(_("You may not import recipients into this township."))
    size = getattr(uploaded_file, "size", None)
    if size is None:
        uploaded_file.seek(0, 2)
        size = uploaded_file.tell()
        uploaded_file.seek(0)
    if size > MAX_UPLOAD_BYTES:
        raise ValidationError({"file": _("The file is larger than %(mb)s MB.") % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)}})
    if size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    try:
        suffix = _sniff_list(uploaded_file)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from None
    original = PurePath(str(getattr(uploaded_file, "name", "") or "list")).name[:255]
    batch = ImportBatch(region=township, kind=kind, original_name=original, uploaded_by=_user(user))
    batch.file.save(f"{uuid.uuid4().hex}{suffix}", uploaded_file, save=False)
    batch.save()
    audit.record("recipient.import_upload", obj=batch, actor=user, detail={"file": original, "kind": kind, "bytes": size})
    return batch


def _user(user):
    return user if getattr(user, "pk", None) else None


# --- Looking for likely duplicates --------------------------------------------------------


@dataclass(slots=True)
class _Known:
    """A person the duplicate finder knows: a registry file (pk) or an earlier row of the list."""

    pk: int | None
    row: int | None
    name: str
    birth: date | None
    village: str
    index: str | None
    masked: str


class DuplicateFinder:
    """Likely duplicates of the list's rows, by the rules of ``services.detect_duplicates``:
    the same name and birth date, or names that sound alike in the same village where the ID
    numbers cannot tell the two apart (one has none, or both give the same birth date).

    Registry rows are read by chunk (exact name and birth date pairs) and by village (once each).
    People with an ID are filed by sound *and* birth date, people without by sound only, so that
    a village of thousands costs a few dict lookups a row. To keep 100,000 rows small the keys
    are hashes (every match is verified) and a key holding one person holds it bare, not in a list.
    """

    def __init__(self):
        self.by_name_birth: dict[int, object] = {}
        self.by_sound_birth: dict[int, object] = {}
        self.by_sound: dict[int, object] = {}  # people without an ID number
        self.loaded_pks: set[int] = set()
        self.loaded_villages: set[str] = set()
        self.ignore: set[int] = set()  # files written by this import (known already as rows)

    def load(self, rows: list[Row]) -> None:
        pairs = {(r.name, r.id.birth_date) for r in rows}
        villages = {r.village for r in rows} - self.loaded_villages
        columns = ("id", "name", "birth_date", "region_id", "id_index", "id_masked", "merged_into_id")
        found = _values_where_pairs(Recipient, ("name", "birth_date"), pairs, columns)
        if villages:
            found += _values_where(Recipient, "region_id", villages, columns)
            self.loaded_villages |= villages
        for pk, name, birth, village, index, masked, merged in found:
            if pk not in self.loaded_pks and pk not in self.ignore and merged is None:
                self.loaded_pks.add(pk)
                self._add(_Known(pk, None, name, _as_date(birth), village, index, masked))

    def _add(self, known: _Known) -> None:
        if known.birth:
            _file(self.by_name_birth, hash((known.name, known.birth)), known)
        for key in village_sound_keys(known.village, known.name):
            if known.index:
                _file(self.by_sound_birth, hash((key, known.birth)), known)
            else:
                _file(self.by_sound, hash(key), known)

    @staticmethod
    def _same(other: _Known, row: Row, self_pk: int | None) -> bool:
        """Whether ``other`` is the row's own person (its registry file, itself, or its ID)."""
        return (self_pk is not None and other.pk == self_pk) or other.row == row.number or other.index == row.index

    def matches(self, row: Row, self_pk: int | None) -> list[_Known]:
        """Known people that may be the person of ``row``; then remember the row itself."""
        birth, name, village = row.id.birth_date, row.name, row.village
        out: dict[tuple, _Known] = {}
        for other in _filed(self.by_name_birth, hash((name, birth))):
            if other.name == name and other.birth == birth and not self._same(other, row, self_pk):
                out[(other.pk, other.row)] = other
        for key in village_sound_keys(village, name):
            for other in (*_filed(self.by_sound_birth, hash((key, birth))), *_filed(self.by_sound, hash(key))):
                if (other.village == village and (other.index is None or other.birth == birth)
                        and not self._same(other, row, self_pk) and pinyin.sounds_alike(other.name, name)):
                    out[(other.pk, other.row)] = other
        if self_pk is None or row.existing is None or row.existing.name != name or row.existing.region_id != village:
            self._add(_Known(self_pk, row.number, name, birth, village, row.index, row.id_masked))
        return list(out.values())


def _file(index: dict, key: int, known: _Known) -> None:
    held = index.get(key)
    if held is None:
        index[key] = known
    elif type(held) is list:
        held.append(known)
    else:
        index[key] = [held, known]


def _filed(index: dict, key: int) -> list | tuple:
    held = index.get(key)
    if held is None:
        return ()
    return held if type(held) is list else (held,)


def _rows_where(model, attname: str, values) -> list:
    """Rows of ``model`` whose ``attname`` is one of ``values``, in one raw query: Django's
    ``__in`` prepares each of 5,000 values one by one, which costs more than the query."""
    values = list(values)
    if not values:
        return []
    meta = model._meta
    column = connection.ops.quote_name(next(f.column for f in meta.concrete_fields if f.attname == attname))
    marks = ", ".join(["%s"] * len(values))
    return list(model.objects.raw(f"SELECT * FROM {connection.ops.quote_name(meta.db_table)} WHERE {column} IN ({marks})", values))


def _values_where(model, attname: str, values, attnames: tuple[str, ...]) -> list[tuple]:
    """Like :func:`_rows_where`, as tuples of ``attnames`` (no model instances)."""
    values = list(values)
    if not values:
        return []
    meta = model._meta
    by_attname = {f.attname: f.column for f in meta.concrete_fields}
    q = connection.ops.quote_name
    marks = ", ".join(["%s"] * len(values))
    sql = (f"SELECT {', '.join(q(by_attname[a]) for a in attnames)} FROM {q(meta.db_table)} "
           f"WHERE {q(by_attname[attname])} IN ({marks})")
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        return cursor.fetchall()


def _values_where_pairs(model, attnames: tuple[str, str], pairs, columns: tuple[str, ...]) -> list[tuple]:
    """Rows whose two ``attnames`` are one of ``pairs``, as tuples of ``columns``, 2,000 pairs a
    query. The pairs are joined as a VALUES list: SQLite then searches the two-column index for
    each pair, where a row-value ``IN`` would scan the whole table."""
    pairs = list(pairs)
    meta = model._meta
    by_attname = {f.attname: f.column for f in meta.concrete_fields}
    q = connection.ops.quote_name
    fields = [meta.get_field(a) for a in attnames]
    memo: dict = {}

    def prepared(f, value):
        key = (f.attname, value)
        if key not in memo:
            memo[key] = f.get_db_prep_value(value, connection)
        return memo[key]

    select = ", ".join(f"r.{q(by_attname[a])}" for a in columns)
    on = f"r.{q(by_attname[attnames[0]])} = p.a AND r.{q(by_attname[attnames[1]])} = p.b"
    out = []
    with connection.cursor() as cursor:
        for start in range(0, len(pairs), 2000):
            chunk = pairs[start:start + 2000]
            params = [prepared(f, v) for pair in chunk for f, v in zip(fields, pair, strict=True)]
            values = ", ".join(["(%s, %s)"] * len(chunk))
            cursor.execute(f"WITH p(a, b) AS (VALUES {values}) SELECT {select} FROM p JOIN {q(meta.db_table)} r ON {on}", params)
            out += cursor.fetchall()
    return out


@lru_cache(maxsize=65536)
def _as_date(value) -> date | None:
    """A date column read by a raw query (SQLite gives text)."""
    return date.fromisoformat(value) if isinstance(value, str) else value


# --- Writing rows fast --------------------------------------------------------------------


class BulkTable:
    """Rows of one model written in bulk: COPY on PostgreSQL, executemany elsewhere (SQLite).

    Values are given as a dict per row; fields not given take their default (prepared once),
    ``auto_now`` fields the moment of the import. On SQLite dates and datetimes go through the
    backend's own adapters, memoised (a list holds a few thousand distinct dates).
    """

    def __init__(self, model, *, with_pk: bool, now: datetime):
        self.model = model
        self.fields = [
            f for f in model._meta.concrete_fields
            if (with_pk or not f.primary_key) and (f.db_default is NOT_PROVIDED or f.primary_key)
        ]
        self.position = {f.attname: i for i, f in enumerate(self.fields)}
        adapt = connection.vendor != "postgresql"
        self.template = []
        self.adapt: dict[int, tuple] = {}
        for i, f in enumerate(self.fields):
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                value = f.get_db_prep_save(now, connection)
            elif f.primary_key:
                value = None
            else:
                value = f.get_db_prep_save(f.get_default(), connection)
            self.template.append(value)
            if adapt and f.get_internal_type() in ("DateField", "DateTimeField"):
                self.adapt[i] = (f, {})
        self.pending: list[list] = []

    def add(self, values: dict) -> None:
        row = self.template.copy()
        position, adapt = self.position, self.adapt
        for attname, value in values.items():
            i = position[attname]
            if i in adapt and value is not None:
                f, memo = adapt[i]
                prepared = memo.get(value)
                if prepared is None:
                    prepared = memo[value] = f.get_db_prep_save(value, connection)
                value = prepared
            row[i] = value
        self.pending.append(row)

    def flush(self) -> int:
        rows, self.pending = self.pending, []
        if not rows:
            return 0
        table = connection.ops.quote_name(self.model._meta.db_table)
        columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.fields))
                cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
        return len(rows)


def reserve_ids(model, count: int, state: dict) -> list[int]:
    """Primary keys for ``count`` new rows, known before writing them (their categories, status
    and timeline rows point at them). PostgreSQL: from the table's sequence. SQLite: after the
    highest id ever used — the import's transaction holds the write lock, so nobody else takes one."""
    if count == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count])
            return [r[0] for r in cursor.fetchall()]
        if "next" not in state:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}")
            highest = cursor.fetchone()[0]
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            seq = cursor.fetchone()
            state["next"] = max(highest, seq[0] if seq else 0) + 1
    first = state["next"]
    state["next"] += count
    return list(range(first, first + count))


# --- Checking and committing --------------------------------------------------------------


class _Holder:
    """Takes the attributes ``services.set_name`` / ``set_id_number`` / ``set_phone`` write, without
    the cost of a model instance (the values go into a COPY row)."""

    phone_cipher = phone_masked = guardian_phone_cipher = guardian_phone_masked = ""


class _RegistryChanged(Exception):
    """Raised inside the commit transaction when a row no longer passes: roll everything back."""


@dataclass(slots=True)
class _Existing:
    """A row of the list that is a person already registered (kept compact until the end, when
    reconciliation knows which categories the list covers)."""

    row: int
    pk: int
    name: str
    masked: str
    village: str
    changes: list[str]
    added: tuple[str, ...]
    open: frozenset
    categories: tuple[str, ...]
    recheck: bool  # a likely duplicate: handed to services.detect_duplicates


@dataclass(slots=True)
class _HouseholdPlan:
    pk: int | None
    head_pk: int | None  # current head of an existing household
    created: bool = False
    head_row: int | None = None
    head_recipient: int | None = None
    address: str = ""
    village: str = ""
    head_name: str = ""


def _choose_household(candidates: list[tuple[int, int | None]], row: Row) -> tuple[int, int | None] | None:
    """Of existing households ``(id, head id)`` with the row's village and head name: the one
    this person heads, else the one this person belongs to, else a headless one, else — for a
    member listed before a head already registered — the only one."""
    person = row.existing
    if person is not None and row.is_head:
        for c in candidates:
            if c[1] == person.pk:
                return c
    if person is not None:
        for c in candidates:
            if c[0] == person.household_id:
                return c
    for c in candidates:
        if c[1] is None:
            return c
    if not row.is_head and len(candidates) == 1:
        return candidates[0]
    return None


class _Run:
    """One pass over a list: check every row, and (when ``write``) write them in the caller's
    transaction. Rows are taken 5,000 at a time: read, looked up in the registry with one query,
    classified, written."""

    def __init__(self, batch: ImportBatch, user, *, write: bool = False, confirm_gone: Iterable[int] = ()):
        self.batch = batch
        self.user = user
        self.write = write
        self.confirm_gone = {int(pk) for pk in confirm_gone}
        self.reconcile = batch.kind == ImportKind.RECONCILE
        self.township = batch.region
        self.today = timezone.localdate()
        self.now = timezone.now()
        self.counts = {"rows": 0, "new": 0, "updated": 0, "unchanged": 0, "duplicates": 0, "errors": 0, "error_rows": 0}
        self.preview = {"new": [], "updated": [], "unchanged": [], "duplicates": [], "errors": [], "gone": []}
        self.seen: dict[str, int] = {}
        self.scope: set[str] = set()
        self.existing: list[_Existing] = []
        self.present: set[int] = set()
        self.households: dict[tuple[str, str], _HouseholdPlan] = {}  # the current household of each key
        self.plans: list[_HouseholdPlan] = []
        self.claimed: set[int] = set()  # existing households taken by a plan
        self._known_households: dict[tuple[str, str], list[tuple[int, int | None]]] | None = None
        self.duplicates = DuplicateFinder()
        self.error_rows = _ErrorWorkbook() if not write else None
        self.written = {"created": 0, "updated": 0, "categories_added": 0, "categories_ended": 0, "households_created": 0,
                        "closed": 0, "duplicates_queued": 0}
        self.new_people: list[Recipient] = []
        self.id_state: dict = {}
        self.marks: dict[str, date] = {}  # region code -> first day whose rollups the writing changed
        self.file_label = batch.original_name
        # Texts written on thousands of rows, translated once (gettext costs a context lookup).
        self.texts = {
            "source": (_("import of %(file)s") % {"file": self.file_label})[:100],
            "registered": (_("Registered by import of %(file)s") % {"file": self.file_label})[:300],
            "registered_reason": _("registered"),
            "on_list": (_("On the list %(file)s") % {"file": self.file_label})[:200],
            "not_on_list": (_("Not on the list %(file)s") % {"file": self.file_label})[:200],
            "updated": _("Updated by import of %(file)s") % {"file": self.file_label},
            "gone": _("Categories ended by reconciliation with %(file)s") % {"file": self.file_label},
        }
        self.labels: dict[str, str] = {}
        self.link = reverse("recipients:import_detail", args=[batch.pk]) if batch.pk else ""
        if write:
            self.recipients = BulkTable(Recipient, with_pk=True, now=self.now)
            self.memberships = BulkTable(CategoryMembership, with_pk=False, now=self.now)
            self.status_rows = BulkTable(StatusChange, with_pk=False, now=self.now)
            self.timeline = BulkTable(TimelineEntry, with_pk=False, now=self.now)
            self.new_households = BulkTable(Household, with_pk=True, now=self.now)
            self.household_ids: dict = {}

    # -- the pass --

    def run(self, on_progress=None) -> None:
        sheet = open_sheet(self.batch.file.path)
        missing = [f for f in REQUIRED_FIELDS if f not in sheet.fields]
        if missing:
            raise ImportFileError(_("The list has no column for %(what)s (for example %(header)s).") % {
                "what": "、".join(str(FIELD_LABELS[f]) for f in missing), "header": "、".join(HEADERS[f][0] for f in missing)})
        self.sheet = sheet
        self.reader = RowReader(sheet, Villages(self.township))
        if self.error_rows is not None:
            self.error_rows.start(sheet)
        self.rows_estimate = sheet.rows_estimate
        rows_iter = sheet.rows()
        while True:
            raw = list(islice(rows_iter, CHUNK))
            if not raw:
                break
            rows = []
            for number, values in raw:
                rows.append(self.reader.read(number, values))
                if on_progress and len(rows) % PROGRESS_EVERY == 0:
                    on_progress(self.counts["rows"] + len(rows), self.rows_estimate)
            self._lookup(rows)
            self._classify(rows)
            if self.write:
                self._write_chunk(rows)
            self._record(rows, raw)
            self.counts["rows"] += len(rows)
            if on_progress:
                on_progress(self.counts["rows"], max(self.rows_estimate, self.counts["rows"]))
        if self.counts["rows"] == 0:
            raise ImportFileError(_("The list has a header row but no people."))
        self._finish()

    # -- registry lookups for a chunk --

    def _lookup(self, rows: list[Row]) -> None:
        id_label = self.reader.label["id_number"]
        indexes = []
        for row in rows:
            if row.index is None:
                continue
            first = self.seen.get(row.index)
            if first is not None:
                row.errors.append((id_label, _("The same ID number is already on row %(row)s.") % {"row": first}))
                continue
            self.seen[row.index] = row.number
            indexes.extend(row.indexes)
        if not indexes:
            return
        found = {r.id_index: r for r in _rows_where(Recipient, "id_index", indexes)}
        if not found:
            return
        holders = []
        for row in rows:
            person = next((found[i] for i in row.indexes if i in found), None) if row.index else None
            if person is None or self.seen.get(row.index) != row.number:
                continue  # not registered, or a repeated ID (already an error)
            self.present.add(person.pk)  # on the list, even if the row has another error
            if not services.may_change(self.user, person.region_id):
                row.errors.append((id_label, _("This person is already registered outside your jurisdiction; ask the county bureau to transfer the file.")))
            elif person.status == Status.DECEASED:
                row.errors.append((id_label, _("This person is recorded as deceased: check the list, or correct the file first.")))
            else:
                row.existing = person
                holders.append(person.pk)
        if holders:
            open_by_person: dict[int, set[str]] = {}
            for membership in _rows_where(CategoryMembership, "recipient_id", holders):
                if membership.ended_on is None:
                    open_by_person.setdefault(membership.recipient_id, set()).add(membership.category)
            for row in rows:
                if row.existing is not None:
                    row.open = open_by_person.get(row.existing.pk, set())

    def _households_known(self) -> dict:
        if self._known_households is None:
            known: dict[tuple[str, str], list[tuple[int, int | None]]] = {}
            rows = Household.objects.filter(region__code__under=self.township.code).values_list("id", "region_id", "head_name", "head_id")
            for pk, village, head_name, head in rows.order_by("id"):
                known.setdefault((village, head_name), []).append((pk, head))
            self._known_households = known
        return self._known_households

    def _household_for(self, row: Row) -> _HouseholdPlan | None:
        """The household of a row: grouped by village and head's name, as lists are — members
        follow (or precede) their head. A second head of the same name in the same village is
        another household (a big village has several 王伟)."""
        if not row.head_name:
            return None
        key = (row.village, row.head_name)
        plan = self.households.get(key)
        if row.is_head:
            own = row.existing.pk if row.existing is not None else None
            if plan is None or plan.head_row is not None or (plan.head_pk and plan.head_pk != own):
                plan = self._new_household(key, row)
            plan.head_row, plan.head_recipient = row.number, own
        elif plan is None:
            plan = self._new_household(key, row)
        return plan

    def _new_household(self, key: tuple[str, str], row: Row) -> _HouseholdPlan:
        """A household for a key seen anew: an existing one of that village and head name when
        one fits (headed by this person, holding this person, or headless), else a new one."""
        candidates = [c for c in self._households_known().get(key, ()) if c[0] not in self.claimed]
        chosen = _choose_household(candidates, row) if candidates else None
        plan = _HouseholdPlan(pk=chosen[0] if chosen else None, head_pk=chosen[1] if chosen else None,
                              address=row.current_address or row.registered_address)
        if chosen:
            self.claimed.add(chosen[0])
        self.households[key] = plan
        self.plans.append(plan)
        return plan

    # -- what each row would do --

    def _classify(self, rows: list[Row]) -> None:
        candidates = []
        for row in rows:
            self.scope.update(row.categories)  # the categories the list covers, errors or not
            if row.errors:
                continue
            row.household = self._household_for(row)
            if row.existing is not None:
                self._compare(row)
                if row.existing.name != row.name or row.existing.region_id != row.village:
                    candidates.append(row)
            else:
                candidates.append(row)
        if candidates:
            self.duplicates.load(candidates)
            for row in candidates:
                found = self.duplicates.matches(row, row.existing.pk if row.existing else None)
                if found:
                    row.duplicate = True
                    self.counts["duplicates"] += 1
                    self._keep("duplicates", {
                        "row": row.number, "name": row.name, "id": row.id_masked, "village": row.village_name,
                        "recipient": row.existing.pk if row.existing else None,
                        "matches": [{"recipient": k.pk, "row": k.row, "name": k.name, "id": k.masked} for k in found[:3]],
                    })

    def _compare(self, row: Row) -> None:
        """The changes the list makes to a registered person (blank cells change nothing)."""
        person = row.existing
        changes = []
        if row.name != person.name:
            changes.append("name")
        if row.village != person.region_id:
            changes.append("village")
        for fld in ("registered_address", "current_address", "guardian_name"):
            value = getattr(row, fld)
            if value and value != getattr(person, fld):
                changes.append(fld)
        if row.relation and row.relation != person.relation:
            changes.append("relation")
        if row.phone and row.phone != (services.clear_value(person, "phone") if person.phone_cipher else ""):
            changes.append("phone")
        if row.guardian_phone and row.guardian_phone != (
            services.clear_value(person, "guardian_phone") if person.guardian_phone_cipher else ""
        ):
            changes.append("guardian_phone")
        plan = row.household
        if plan is not None and (plan.pk is None or plan.pk != person.household_id):
            changes.append("household")
        if person.status not in ACTIVE_STATUSES:
            changes.append("status")
        row.changes = changes
        row.added = tuple(c for c in row.categories if c not in row.open)

    # -- keeping what the preview shows --

    def _keep(self, kind: str, item: dict) -> None:
        bucket = self.preview[kind]
        if len(bucket) < PREVIEW_ROWS:
            bucket.append(item)

    def _record(self, rows: list[Row], raw: list) -> None:
        for row, (_number, values) in zip(rows, raw, strict=True):
            if row.errors:
                self.counts["error_rows"] += 1
                self.counts["errors"] += len(row.errors)
                for column, message in row.errors:
                    if len(self.preview["errors"]) < MAX_ERRORS:
                        self.preview["errors"].append({"row": row.number, "column": column, "message": message})
                if self.error_rows is not None:
                    self.error_rows.add(values, row.errors)
                continue
            if row.existing is not None:
                self.existing.append(_Existing(
                    row=row.number, pk=row.existing.pk, name=row.name, masked=row.id_masked, village=row.village_name,
                    changes=row.changes, added=row.added, open=frozenset(row.open), categories=row.categories,
                    recheck=row.duplicate,
                ))
            else:
                self.counts["new"] += 1
                self._keep("new", {
                    "row": row.number, "name": row.name, "id": row.id_masked, "village": row.village_name,
                    "categories": list(row.categories), "household": row.head_name,
                })

    # -- the end of the pass --

    def _finish(self) -> None:
        ended_total = 0
        for item in self.existing:
            ended = tuple(sorted((item.open & self.scope) - set(item.categories))) if self.reconcile else ()
            changes = item.changes + [f"+{c}" for c in item.added] + [f"-{c}" for c in ended]
            item.changes = changes
            kind = "updated" if changes else "unchanged"
            self.counts[kind] += 1
            if item.added or ended:
                self.counts["category_changed"] = self.counts.get("category_changed", 0) + 1
            ended_total += len(ended)
            self._keep(kind, {"row": item.row, "recipient": item.pk, "name": item.name, "id": item.masked,
                              "village": item.village, "changes": changes})
        if self.reconcile:
            self.counts.setdefault("category_changed", 0)
            self.preview["gone"] = self._gone()
            self.counts["gone"] = len(self.preview["gone"])
            self.preview["scope"] = sorted(self.scope)

    def _gone(self) -> list[dict]:
        """Active recipients of the township holding a category of the list but absent from it."""
        if not self.scope:
            return []
        rows = (
            CategoryMembership.objects.filter(
                ended_on__isnull=True, category__in=self.scope, recipient__region__code__under=self.township.code,
                recipient__status__in=ACTIVE_STATUSES, recipient__merged_into__isnull=True,
            )
            .exclude(recipient_id__in=self.present)
            .values_list("recipient_id", "category", "recipient__name", "recipient__id_masked", "recipient__region__name")
            .order_by("recipient__region_id", "recipient__name", "recipient_id")
        )
        gone: dict[int, dict] = {}
        for pk, code, name, masked, village in rows.iterator(chunk_size=5000):
            if pk in self.present:
                continue
            item = gone.setdefault(pk, {"recipient": pk, "name": name, "id": masked, "village": village, "categories": []})
            item["categories"].append(code)
        return list(gone.values())

    # -- writing (commit) --

    def _write_chunk(self, rows: list[Row]) -> None:
        if self.counts["error_rows"] or any(r.errors for r in rows):
            raise _RegistryChanged
        self._create_households(rows)
        new = [r for r in rows if r.existing is None]
        ids = reserve_ids(Recipient, len(new), self.id_state)
        self.duplicates.ignore.update(ids)
        for row, pk in zip(new, ids, strict=True):
            self._add_recipient(row, pk)
        self.recipients.flush()
        self.written["created"] += len(new)
        self._update_existing([r for r in rows if r.existing is not None])
        self.memberships.flush()
        self.status_rows.flush()
        self.timeline.flush()

    def _create_households(self, rows: list[Row]) -> None:
        """Give the new households of these rows their ids now; their rows are written at the
        end, with their heads (foreign keys are checked when the transaction commits)."""
        plans = []
        for row in rows:
            plan = row.household
            if plan is not None and plan.pk is None and not plan.created:
                plan.created = True
                plans.append((row, plan))
        for (row, plan), pk in zip(plans, reserve_ids(Household, len(plans), self.household_ids), strict=True):
            plan.pk, plan.village, plan.head_name = pk, row.village, row.head_name
        self.written["households_created"] += len(plans)

    def _add_recipient(self, row: Row, pk: int) -> None:
        person = _Holder()
        services.set_name(person, row.name)
        services.set_id_number(person, row.id)
        if row.phone:
            services.set_phone(person, row.phone)
        if row.guardian_phone:
            services.set_phone(person, row.guardian_phone, guardian=True)
        plan = row.household
        if plan is not None and plan.head_row == row.number:
            plan.head_recipient = pk
        self.recipients.add({
            "id": pk, "name": person.name, "name_pinyin": person.name_pinyin, "name_initials": person.name_initials,
            "sex": person.sex, "birth_date": person.birth_date, "id_cipher": person.id_cipher, "id_index": person.id_index,
            "id_masked": person.id_masked, "phone_cipher": person.phone_cipher, "phone_masked": person.phone_masked,
            "guardian_phone_cipher": person.guardian_phone_cipher, "guardian_phone_masked": person.guardian_phone_masked,
            "region_id": row.village, "household_id": plan.pk if plan else None, "relation": row.relation,
            "registered_address": row.registered_address, "current_address": row.current_address,
            "guardian_name": row.guardian_name, "status": Status.NEW, "created_by_id": getattr(self.user, "pk", None),
        })
        actor = self.actor_id
        self._mark(row.village, self.today)
        for code in row.categories:
            self.memberships.add({"recipient_id": pk, "category": code, "started_on": self.today, "source": self.texts["source"]})
        self.status_rows.add({"recipient_id": pk, "new_status": Status.NEW, "reason": self.texts["registered_reason"],
                              "changed_on": self.today, "changed_by_id": actor})
        self.timeline.add({"recipient_id": pk, "occurred_at": self.now, "kind": "registered", "summary": self.texts["registered"],
                           "actor_id": actor, "link": self.link})
        if row.duplicate:
            self.new_people.append(Recipient(pk=pk, name=row.name, birth_date=row.id.birth_date, region_id=row.village, id_index=row.index))

    def _update_existing(self, rows: list[Row]) -> None:
        by_fields: dict[tuple, list[Recipient]] = {}
        reason = self.texts["on_list"]
        for row in rows:
            person = row.existing
            for code in row.added:
                self.memberships.add({"recipient_id": person.pk, "category": code, "started_on": self.today, "source": self.texts["source"]})
            self.written["categories_added"] += len(row.added)
            if row.added and not row.changes:
                self._mark(person.region_id, self.today)
            if not row.changes:
                continue
            # A change of place or status can move the person in or out of every year since registration.
            registered = timezone.localtime(person.created_at).date() if person.created_at else self.today
            self._mark(person.region_id, registered)
            touched = self._apply(row, person, reason)
            self._mark(person.region_id, registered)
            person.updated_at = self.now
            by_fields.setdefault(tuple(sorted(touched)) + ("updated_at",), []).append(person)
        for fields, people in by_fields.items():
            Recipient.objects.bulk_update(people, list(fields), batch_size=500)

    def _apply(self, row: Row, person: Recipient, reason: str) -> set[str]:
        touched = set()
        for change in row.changes:
            if change == "name":
                services.set_name(person, row.name)
                touched |= {"name", "name_pinyin", "name_initials"}
            elif change == "village":
                person.region_id = row.village
                touched.add("region")
            elif change == "household":
                person.household_id = row.household.pk
                touched.add("household")
            elif change == "phone":
                services.set_phone(person, row.phone)
                touched |= {"phone_cipher", "phone_masked"}
            elif change == "guardian_phone":
                services.set_phone(person, row.guardian_phone, guardian=True)
                touched |= {"guardian_phone_cipher", "guardian_phone_masked"}
            elif change == "status":
                self.status_rows.add({"recipient_id": person.pk, "old_status": person.status, "new_status": Status.NEW,
                                      "reason": reason, "changed_on": self.today, "changed_by_id": self.actor_id})
                person.status = Status.NEW
                touched.add("status")
            else:
                setattr(person, change, getattr(row, change))
                touched.add(change)
        return touched

    def finish_writing(self) -> dict:
        """After the last chunk: end categories (reconcile), timelines of changed people, heads of
        households, the gone people confirmed, and the review queue of likely duplicates."""
        reason, updated_summary = self.texts["not_on_list"], self.texts["updated"]
        ended_by_code: dict[str, list[int]] = {}
        recheck = []
        for item in self.existing:
            if not item.changes:
                continue
            self.written["updated"] += 1
            for change in item.changes:
                if change.startswith("-"):
                    ended_by_code.setdefault(change[1:], []).append(item.pk)
            self.timeline.add({"recipient_id": item.pk, "occurred_at": self.now, "kind": "imported",
                               "summary": f"{updated_summary}: {self._describe(item.changes)}"[:300], "actor_id": self.actor_id,
                               "link": self.link})
            if item.recheck:
                recheck.append(item.pk)
        for code, pks in ended_by_code.items():
            self.written["categories_ended"] += self._end_categories(pks, [code], reason)
        self.timeline.flush()
        self._set_heads()
        self._close_gone(reason)
        # The finder applies detect_duplicates' rules: a row it did not flag can form no pair, so
        # only the flagged ones are handed over (the service writes the review queue).
        people = self.new_people + list(Recipient.objects.filter(pk__in=recheck).only(
            "id", "name", "birth_date", "region_id", "id_index", "merged_into_id"))
        self.written["duplicates_queued"] = services.detect_duplicates(people) if people else 0
        return self.written

    def _end_categories(self, pks: list[int], codes: list[str], reason: str) -> int:
        ended = 0
        for chunk in batched(pks, CHUNK):
            for region in Recipient.objects.filter(pk__in=chunk).order_by().values_list("region_id", flat=True).distinct():
                self._mark(region, self.today)
            rows = CategoryMembership.objects.filter(recipient_id__in=chunk, category__in=codes, ended_on__isnull=True)
            ended += rows.filter(started_on__gt=self.today).update(ended_on=F("started_on"), end_reason=reason[:200])
            ended += rows.update(ended_on=self.today, end_reason=reason[:200])
        return ended

    def _set_heads(self) -> None:
        """Write the new households, each with its head; give a head to an existing headless one."""
        heads = []
        for plan in self.plans:
            if plan.created:
                self.new_households.add({"id": plan.pk, "region_id": plan.village, "head_name": plan.head_name,
                                         "head_id": plan.head_recipient, "address": plan.address[:200]})
            elif plan.pk and plan.head_recipient and plan.head_pk is None:
                heads.append((plan.head_recipient, connection.ops.adapt_datetimefield_value(self.now), plan.pk))
        self.new_households.flush()
        if heads:
            table = connection.ops.quote_name(Household._meta.db_table)
            with connection.cursor() as cursor:
                cursor.executemany(f"UPDATE {table} SET head_id = %s, updated_at = %s WHERE id = %s", heads)

    def _close_gone(self, reason: str) -> None:
        if not self.reconcile or not self.confirm_gone:
            return
        gone = {item["recipient"]: item for item in self.preview["gone"] if item["recipient"] in self.confirm_gone}
        if not gone:
            return
        ended = self._end_categories(list(gone), sorted(self.scope), reason)
        self.written["categories_ended"] += ended
        for item in gone.values():
            labels = "、".join(str(Category(c).label) for c in item["categories"])
            self.timeline.add({"recipient_id": item["recipient"], "occurred_at": self.now, "kind": "categories",
                               "summary": f"{self.texts['gone']}: {labels}"[:300], "actor_id": self.actor_id, "link": self.link})
        self.timeline.flush()
        still_open = set(CategoryMembership.objects.filter(recipient_id__in=list(gone), ended_on__isnull=True).values_list("recipient_id", flat=True))
        for person in Recipient.objects.filter(pk__in=[pk for pk in gone if pk not in still_open]).order_by("pk"):
            services.change_status(self.user, person, Status.CLOSED, reason=reason, on=self.today)
            self.written["closed"] += 1

    def _mark(self, region: str | None, day: date) -> None:
        if region and (region not in self.marks or day < self.marks[region]):
            self.marks[region] = day

    def touch_rollups(self) -> None:
        """The rows were written in bulk, past the signals that keep the dashboards' rollups: mark
        the townships and years they changed (recounted when the transaction commits)."""
        from shegong.monitoring import rollups

        for region, first in sorted(self.marks.items()):
            rollups.touch_years(region, first, self.today)

    def summary(self) -> dict:
        return dict(self.counts)

    @property
    def actor_id(self) -> int | None:
        return getattr(self.user, "pk", None)

    def _describe(self, codes: list[str]) -> str:
        labels = self.labels
        for code in codes:
            if code not in labels:
                labels[code] = describe_change(code)
        return "、".join(labels[c] for c in codes)


# What a change code means, for the preview and the timeline.
FIELD_LABELS = {
    "name": Recipient._meta.get_field("name").verbose_name,
    "id_number": Recipient._meta.get_field("id_masked").verbose_name,
    "village": Recipient._meta.get_field("region").verbose_name,
    "categories": CategoryMembership._meta.get_field("category").verbose_name,
    "registered_address": Recipient._meta.get_field("registered_address").verbose_name,
    "current_address": Recipient._meta.get_field("current_address").verbose_name,
    "guardian_name": Recipient._meta.get_field("guardian_name").verbose_name,
    "guardian_phone": Recipient._meta.get_field("guardian_phone_masked").verbose_name,
    "phone": Recipient._meta.get_field("phone_masked").verbose_name,
    "relation": Recipient._meta.get_field("relation").verbose_name,
    "household": Recipient._meta.get_field("household").verbose_name,
    "status": Recipient._meta.get_field("status").verbose_name,
}


def describe_change(code: str) -> str:
    """``"+dibao"`` → ``"+低保"``; ``"phone"`` → the field's name."""
    if code[:1] in "+-" and code[1:] in Category.values:
        return f"{code[0]}{Category(code[1:]).label}"
    return str(FIELD_LABELS.get(code, code))



class _ErrorWorkbook:
    """The rows that have errors, as the user wrote them, with a column saying what is wrong:
    fixed and uploaded again, it goes through the same reader. Made at the first error row."""

    def __init__(self):
        self.workbook = None
        self.sheet: Sheet | None = None
        self.count = 0

    def start(self, sheet: Sheet) -> None:
        self.sheet = sheet

    def _open(self) -> None:
        from openpyxl import Workbook

        self.workbook = Workbook(write_only=True)
        self.ws = self.workbook.create_sheet(title="错误行")
        self.width = len(self.sheet.columns)
        self.id_columns = {c.index for c in self.sheet.fields.get("id_number", ())}
        self.ws.append([c.header for c in self.sheet.columns] + [ERROR_COLUMN])

    def add(self, values: list, errors: list[tuple[str, str]]) -> None:
        from openpyxl.cell import WriteOnlyCell

        if self.workbook is None:
            self._open()
        cells = []
        for i in range(self.width):
            value = values[i] if i < len(values) else ""
            plain = value if isinstance(value, datetime | date | int | float | bool) or value is None else str(value)
            if i in self.id_columns and isinstance(plain, str):
                cell = WriteOnlyCell(self.ws, value=plain)
                cell.number_format = "@"
                cells.append(cell)
            else:
                cells.append(plain if plain != "" else None)
        cells.append("；".join(f"{column}：{message}" for column, message in errors))
        self.ws.append(cells)
        self.count += 1

    def content(self) -> bytes | None:
        if not self.count:
            return None
        buffer = io.BytesIO()
        self.workbook.save(buffer)
        return buffer.getvalue()


@contextmanager
def _collector_paused():
    """Pause the cyclic garbage collector while a list is processed. A list of 100,000 rows
    makes millions of small objects, none of them in reference cycles (reference counting frees
    them), and every automatic collection would scan them all again: it doubles the time of a
    check. The collector runs again as soon as the list is done."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# --- The public operations ----------------------------------------------------------------


def _progress(batch: ImportBatch):
    def report(done: int, total: int) -> None:
        ImportBatch.objects.filter(pk=batch.pk).update(rows_done=done, rows_total=max(total, done))
        batch.rows_done, batch.rows_total = done, max(total, done)

    return report


def check(batch: ImportBatch, user=None) -> ImportBatch:
    """Check every row of the batch's list (writing nothing but the batch): counts, preview, the
    error workbook. The state ends validated, or failed with a message when the file as a whole
    cannot be used. A batch discarded while it was being checked stays discarded."""
    if batch.state in (ImportState.COMMITTING, ImportState.COMMITTED, ImportState.DISCARDED):
        raise ValidationError(_("This list can no longer be checked (it is %(state)s).") % {"state": batch.get_state_display()})
    user = user or batch.uploaded_by
    _set_state(batch, ImportState.VALIDATING, rows_done=0, message="")
    run = _Run(batch, user)
    try:
        if user is None or not services.may_change(user, batch.region_id):
            raise ImportFileError(_("The person who uploaded this list may no longer change recipients in this township."))
        with _collector_paused():
            run.run(on_progress=_progress(batch))
    except ImportFileError as exc:
        if _set_state(batch, ImportState.FAILED, expect=ImportState.VALIDATING, message=str(exc), summary={}, preview={}):
            _store_error_file(batch, None)
        return batch
    summary = run.summary()
    preview = {
        **run.preview, "header_row": run.sheet.header_row, "unknown_columns": run.sheet.unknown,
        "columns": {c.header: c.field for c in run.sheet.columns if c.field and c.field != "ignored"},
    }
    if _set_state(batch, ImportState.VALIDATED, expect=ImportState.VALIDATING, summary=summary, preview=preview,
                  rows_done=summary["rows"], rows_total=summary["rows"]):
        _store_error_file(batch, run.error_rows.content())
    return batch


def _store_error_file(batch: ImportBatch, content: bytes | None) -> None:
    if batch.error_file:
        batch.error_file.delete(save=False)
    if content:
        batch.error_file.save(f"{uuid.uuid4().hex}.xlsx", ContentFile(content), save=False)
    ImportBatch.objects.filter(pk=batch.pk).update(error_file=batch.error_file.name or "")


def _set_state(batch: ImportBatch, state: str, *, expect: str | None = None, **values) -> bool:
    """Move the batch to ``state`` (with ``values``); with ``expect``, only from that state (a
    batch discarded meanwhile is left alone and re-read). Returns whether it moved."""
    values["state"] = state
    rows = ImportBatch.objects.filter(pk=batch.pk)
    if expect is not None:
        rows = rows.filter(state=expect)
    if not rows.update(**values):
        batch.refresh_from_db()
        return False
    for key, value in values.items():
        setattr(batch, key, value)
    return True


def is_small(batch: ImportBatch) -> bool:
    """Whether a list is small enough to check and write during the request."""
    if batch.file.size > INLINE_MAX_BYTES:
        return False
    try:
        sheet = open_sheet(batch.file.path)
    except ImportFileError:
        return True  # the check fails at once and says why
    return sheet.rows_estimate <= INLINE_MAX_ROWS


def schedule_check(batch: ImportBatch) -> bool:
    """Check a small list now, a large one in the background (``shegong worker``). Returns
    whether the check has run already."""
    if is_small(batch):
        check(batch)
        return True
    from .tasks import check_batch

    _set_state(batch, ImportState.QUEUED, rows_done=0)
    transaction.on_commit(lambda: check_batch.enqueue(batch.pk))
    return False


def _ready_to_commit(user, batch: ImportBatch) -> None:
    if not ImportBatch.objects.visible_to(user, CHANGE).filter(pk=batch.pk).exists() or not services.may_change(user, batch.region_id):
        raise PermissionDenied(_("You may not import recipients into this township."))
    if batch.state != ImportState.VALIDATED:
        raise ValidationError(_("This list is not ready to be written (it is %(state)s).") % {"state": batch.get_state_display()})
    if batch.summary.get("errors"):
        raise ValidationError(_("Fix the rows in the error workbook and upload the file again."))


def commit(user, batch: ImportBatch, confirm_gone: Iterable[int] = ()) -> dict:
    """Check the list again against the registry as it is now and write all of it in one
    transaction, or nothing. ``confirm_gone``: recipients of the reconcile "gone" list whose
    categories the list covers are to be ended. Returns the counts written."""
    _ready_to_commit(user, batch)
    claimed = ImportBatch.objects.filter(pk=batch.pk, state=ImportState.VALIDATED).update(state=ImportState.COMMITTING)
    if not claimed:
        raise ValidationError(_("This list is already being written."))
    batch.state = ImportState.COMMITTING
    return commit_claimed(user, batch, list(confirm_gone))


def commit_claimed(user, batch: ImportBatch, confirm_gone: list[int]) -> dict:
    """The writing part of :func:`commit`, for a batch already moved to "writing" (the
    background task calls this). On any refusal or failure the batch goes back to "checked"."""
    if not services.may_change(user, batch.region_id):
        _set_state(batch, ImportState.VALIDATED)
        raise PermissionDenied(_("You may not import recipients into this township."))
    run = _Run(batch, user, write=True, confirm_gone=confirm_gone)
    try:
        with transaction.atomic(), _collector_paused():
            run.run()
            written = run.finish_writing()
            run.touch_rollups()
            audit.record("recipient.import_commit", obj=batch, actor=user, detail={
                "file": batch.original_name, "kind": batch.kind, "rows": run.counts["rows"], **written})
            summary = {**batch.summary, "written": written}
            _set_state(batch, ImportState.COMMITTED, committed_at=timezone.now(), summary=summary, message="")
    except _RegistryChanged:
        _set_state(batch, ImportState.VALIDATED)
        check(batch, user)
        message = _("The registry has changed since the list was checked: nothing was written. The rows that no longer pass are listed now.")
        _set_state(batch, batch.state, message=message)
        raise ValidationError(message) from None
    except ImportFileError as exc:
        _set_state(batch, ImportState.FAILED, message=str(exc))
        raise ValidationError(str(exc)) from None
    except Exception:
        _set_state(batch, ImportState.VALIDATED, message=_("Writing failed, so nothing was written. Try again; if it fails again, tell the administrator."))
        raise
    transaction.on_commit(lambda: _drop_files(batch))
    return written


def schedule_commit(user, batch: ImportBatch, confirm_gone: Iterable[int] = ()) -> dict | None:
    """Write a small list now (returns the counts), a large one in the background (returns None)."""
    if batch.rows_total <= INLINE_MAX_ROWS:
        return commit(user, batch, confirm_gone)
    _ready_to_commit(user, batch)
    claimed = ImportBatch.objects.filter(pk=batch.pk, state=ImportState.VALIDATED).update(state=ImportState.COMMITTING, message="")
    if not claimed:
        raise ValidationError(_("This list is already being written."))
    batch.state = ImportState.COMMITTING
    from .tasks import commit_batch

    gone = sorted(int(pk) for pk in confirm_gone)
    transaction.on_commit(lambda: commit_batch.enqueue(batch.pk, user.pk, gone))
    return None


def discard(user, batch: ImportBatch) -> None:
    """Drop a list that was not written: its file and error workbook are deleted."""
    if not ImportBatch.objects.visible_to(user, CHANGE).filter(pk=batch.pk).exists():
        raise PermissionDenied
    if batch.state in (ImportState.COMMITTING, ImportState.COMMITTED, ImportState.DISCARDED):
        raise ValidationError(_("This list can no longer be discarded (it is %(state)s).") % {"state": batch.get_state_display()})
    with transaction.atomic():
        _set_state(batch, ImportState.DISCARDED, preview={})
        audit.record("recipient.import_discard", obj=batch, actor=user, detail={"file": batch.original_name})
        transaction.on_commit(lambda: _drop_files(batch))


def _drop_files(batch: ImportBatch) -> None:
    """The uploaded list holds ID numbers in clear: keep it no longer than needed."""
    for attr in ("file", "error_file"):
        stored = getattr(batch, attr)
        if stored:
            stored.delete(save=False)
    ImportBatch.objects.filter(pk=batch.pk).update(file="", error_file="")


def template_workbook() -> bytes:
    """An empty list with the expected headers (the ID column formatted as text) and a sheet of
    instructions."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    ws = workbook.active
    ws.title = "名单"
    ws.append(list(TEMPLATE_HEADERS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for column in ("C", "F", "N"):
        for row in range(2, 1002):
            ws[f"{column}{row}"].number_format = "@"
    ws.column_dimensions["C"].width = 22
    notes = workbook.create_sheet("填写说明")
    for line in TEMPLATE_NOTES:
        notes.append([line])
    notes.column_dimensions["A"].width = 100
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


TEMPLATE_NOTES = (
    "每人一行；姓名、身份证号、所属村(社区)、人员类别必填。",
    "身份证号请以文本格式填写（本表该列已设为文本），否则 Excel 会丢失末尾数字。",
    "所属村(社区)写村或社区的名称，如“腾鳌村”或“腾鳌村村民委员会”。",
    "人员类别可填多个，用顿号分隔，如“低保、残疾人”。可用：" + "、".join(w[0] for w in CATEGORY_WORDS.values()) + "。",
    "同一户的成员填写相同的户主姓名；与户主关系填写户主、配偶、子、女、父亲、母亲、孙子、孙女等。",
    "性别、出生日期可不填；填写时须与身份证号一致。",
)
