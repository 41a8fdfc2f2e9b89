"""Excel exports: every export streams from a scoped queryset and is written to the audit log."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from . import audit

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(
    *, filename: str, sheet: str, headers: Sequence[str], rows: Iterable[Sequence], action: str, detail: dict,
    region_code: str | None = None,
) -> HttpResponse:
    """Build a workbook (write-only, constant memory per row) and audit the export. ``region_code``
    places the audit row, so that the auditors of that place see who exported their data."""
    workbook = Workbook(write_only=True)
    ws = workbook.create_sheet(title=sheet[:31])
    from openpyxl.cell import WriteOnlyCell

    header_cells = []
    for h in headers:
        cell = WriteOnlyCell(ws, value=str(h))
        cell.font = Font(bold=True)
        header_cells.append(cell)
    ws.append(header_cells)
    count = 0
    for row in rows:
        ws.append([_plain(v) for v in row])
        count += 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    audit.record(action, region_code=region_code, detail={**detail, "rows": count, "file": filename})
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    name = f"{filename}-{stamp}.xlsx"
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename=\"export.xlsx\"; filename*=UTF-8''{quote(name)}"
    return response


def _plain(value):
    if hasattr(value, "tzinfo") and value.tzinfo is not None:
        return timezone.localtime(value).replace(tzinfo=None)
    if value is None:
        return ""
    return value if isinstance(value, int | float) else str(value)
