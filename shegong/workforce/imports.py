"""Importing workers from an .xlsx sheet with Chinese headers: validate every row, then write all
of them or none.

The headers and cell values are the words people type in the sheet (姓名, 本科, 男 …), so they are
Chinese data here, not interface text.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shegong.core import audit
from shegong.core.scoping import CHANGE, may_act_at
from shegong.stations.models import Station

from .models import CertificateLevel, Education, Sex, SocialWorker
from .services import worker_create_unchecked

MAX_ROWS = 2000

# header -> (field, required)
HEADERS = {
    "姓名": ("name", True),
    "性别": ("sex", True),
    "出生日期": ("birth_date", True),
    "学历": ("education", True),
    "专业": ("major", False),
    "是否社会工作专业": ("is_social_work_major", False),
    "证书等级": ("certificate_level", False),
    "证书编号": ("certificate_number", False),
    "取证日期": ("certificate_date", False),
    "入职日期": ("took_post_on", True),
    "所在社工站": ("station", True),
    "劳动合同": ("has_labour_contract", False),
    "合同开始日期": ("contract_start", False),
    "合同结束日期": ("contract_end", False),
    "五险一金": ("has_social_insurance", False),
    "月工资": ("monthly_salary", False),
    "联系电话": ("phone", False),
}
SEX = {"男": Sex.MALE, "女": Sex.FEMALE}
EDUCATION = {
    "高中": Education.HIGH_SCHOOL, "中专": Education.VOCATIONAL, "职高": Education.VOCATIONAL,
    "中职": Education.VOCATIONAL, "大专": Education.COLLEGE, "专科": Education.COLLEGE,
    "本科": Education.BACHELOR, "大学本科": Education.BACHELOR, "硕士": Education.MASTER,
    "硕士研究生": Education.MASTER, "研究生": Education.MASTER, "博士": Education.DOCTORATE,
    "博士研究生": Education.DOCTORATE,
}
CERTIFICATE = {
    "": CertificateLevel.NONE, "无": CertificateLevel.NONE, "助理社会工作师": CertificateLevel.ASSISTANT,
    "社会工作师": CertificateLevel.SOCIAL_WORKER, "中级社会工作师": CertificateLevel.SOCIAL_WORKER,
    "高级社会工作师": CertificateLevel.SENIOR,
}
YES_NO = {"是": True, "有": True, "已签": True, "已缴": True, "否": False, "无": False, "未签": False, "未缴": False, "": False}


class ImportFileError(ValueError):
    """The file as a whole cannot be read (wrong type, empty, no header row)."""


@dataclass
class RowError:
    row: int
    message: str


@dataclass
class ImportResult:
    rows: list[dict] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.errors


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _date(value):
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value).replace("/", "-").replace(".", "-").replace("年", "-").replace("月", "-").rstrip("日")
    if not text:
        return None
    return datetime.strptime(text, "%Y-%m-%d").date()


def read_rows(content: bytes) -> tuple[list[str], list[tuple[int, list]]]:
    """The header and the non-empty data rows (with their sheet row numbers) of the first sheet."""
    from openpyxl import load_workbook

    if not content:
        raise ImportFileError(_("The file is empty."))
    if not zipfile.is_zipfile(io.BytesIO(content)):
        raise ImportFileError(_("This is not an Excel .xlsx file. Save the sheet as .xlsx and upload it again."))
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign zip
        raise ImportFileError(_("The Excel file cannot be read.")) from exc
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if not header or not any(_text(h) for h in header):
        raise ImportFileError(_("The file is empty."))
    header = [_text(h) for h in header]
    data = []
    for number, values in enumerate(rows, start=2):
        if values is None or not any(_text(v) for v in values):
            continue
        data.append((number, list(values)))
        if len(data) > MAX_ROWS:
            raise ImportFileError(_("At most %(n)s workers can be imported at once.") % {"n": MAX_ROWS})
    if not data:
        raise ImportFileError(_("The file has a header row but no workers."))
    return header, data


def validate(*, actor, content: bytes) -> ImportResult:
    """Read and check every row; nothing is written. Errors name the sheet row number."""
    header, data = read_rows(content)
    missing = [h for h, (_f, required) in HEADERS.items() if required and h not in header]
    if missing:
        raise ImportFileError(_("Required columns are missing: %(cols)s.") % {"cols": "、".join(missing)})
    index = {h: i for i, h in enumerate(header) if h in HEADERS}
    stations = {}
    for station in Station.objects.visible_to(actor).select_related("operator"):
        stations.setdefault(station.name, []).append(station)
    result = ImportResult()
    for number, values in data:
        cells = {HEADERS[h][0]: (values[i] if i < len(values) else None) for h, i in index.items()}
        row, messages = _row(cells, stations, actor)
        if messages:
            result.errors.extend(RowError(number, m) for m in messages)
        else:
            row["row_number"] = number
            result.rows.append(row)
    return result


def _row(cells: dict, stations: dict, actor) -> tuple[dict, list[str]]:
    errors, row = [], {}
    row["name"] = _text(cells.get("name"))
    if not row["name"]:
        errors.append("姓名不能为空")
    sex = _text(cells.get("sex"))
    if sex not in SEX:
        errors.append(f"性别“{sex}”无效，应填“男”或“女”")
    row["sex"] = SEX.get(sex)
    for key, label, required in (
        ("birth_date", "出生日期", True), ("took_post_on", "入职日期", True), ("certificate_date", "取证日期", False),
        ("contract_start", "合同开始日期", False), ("contract_end", "合同结束日期", False),
    ):
        try:
            row[key] = _date(cells.get(key))
        except ValueError:
            errors.append(f"{label}“{_text(cells.get(key))}”不是有效日期，格式应为 2024-01-31")
            row[key] = None
            continue
        if required and row[key] is None:
            errors.append(f"{label}不能为空")
    education = _text(cells.get("education"))
    if education not in EDUCATION:
        errors.append(f"学历“{education}”无效，可填：高中、中专、大专、本科、硕士、博士")
    row["education"] = EDUCATION.get(education)
    row["major"] = _text(cells.get("major"))
    major_flag = _text(cells.get("is_social_work_major"))
    if major_flag and major_flag not in YES_NO:
        errors.append(f"是否社会工作专业“{major_flag}”无效，应填“是”或“否”")
    # Left blank, the major itself tells.
    row["is_social_work_major"] = YES_NO.get(major_flag, False) if major_flag else "社会工作" in row["major"]
    level = _text(cells.get("certificate_level"))
    if level not in CERTIFICATE:
        errors.append(f"证书等级“{level}”无效，可填：无、助理社会工作师、社会工作师、高级社会工作师")
    row["certificate_level"] = CERTIFICATE.get(level)
    row["certificate_number"] = _text(cells.get("certificate_number"))
    for key, label in (("has_labour_contract", "劳动合同"), ("has_social_insurance", "五险一金")):
        flag = _text(cells.get(key))
        if flag not in YES_NO:
            errors.append(f"{label}“{flag}”无效，应填“是”或“否”")
        row[key] = YES_NO.get(flag, False)
    salary = _text(cells.get("monthly_salary"))
    try:
        row["monthly_salary"] = Decimal(salary) if salary else None
        if row["monthly_salary"] is not None and row["monthly_salary"] < 0:
            raise InvalidOperation
    except InvalidOperation:
        errors.append(f"月工资“{salary}”不是有效金额")
        row["monthly_salary"] = None
    row["phone"] = _text(cells.get("phone"))
    station_name = _text(cells.get("station"))
    matches = stations.get(station_name, [])
    station = None
    if not station_name:
        errors.append("所在社工站不能为空")
    elif not matches:
        errors.append(f"找不到社工站“{station_name}”，或您无权管理该站")
    elif len(matches) > 1:
        errors.append(f"社工站名称“{station_name}”不唯一")
    else:
        station = matches[0]
        if station.operator_id is None:
            errors.append(f"社工站“{station_name}”尚无承接主体，无法确定用人单位")
        elif actor is not None and not may_act_at(actor, SocialWorker.scope, CHANGE, station.region_id, station.operator_id):
            errors.append(f"您无权为社工站“{station_name}”登记社工")
    row["station"] = station
    if not errors:
        candidate = SocialWorker(employer=station.operator, **{k: v for k, v in row.items() if k != "station"})
        try:
            candidate.full_clean(exclude=["employer"])
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                label = str(SocialWorker._meta.get_field(name).verbose_name) if name != "__all__" else ""
                errors.extend(f"{label}：{m}" if label else m for m in messages)
    return row, errors


@transaction.atomic
def commit(*, actor, content: bytes) -> list[SocialWorker]:
    """Validate again (the data may have changed since the preview) and write every worker, or
    raise ValidationError and write none."""
    result = validate(actor=actor, content=content)
    if result.errors:
        raise ValidationError([f"第 {e.row} 行：{e.message}" for e in result.errors])
    created = []
    for row in result.rows:
        station = row.pop("station")
        row.pop("row_number")
        if actor is not None and not may_act_at(actor, SocialWorker.scope, CHANGE, station.region_id, station.operator_id):
            raise PermissionDenied
        created.append(
            worker_create_unchecked(actor=actor, employer=station.operator, station=station, start=row["took_post_on"], **row)
        )
    audit.record("workforce.worker_import", actor=actor, detail={"created": [w.pk for w in created]},
                 region_code=audit.longest_common_prefix([w.audit_region_code() for w in created]))
    return created
