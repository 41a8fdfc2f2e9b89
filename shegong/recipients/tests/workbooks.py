"""Township lists as townships really send them, built for tests: a merged title row, a subtitle,
header variants, village and head-of-household cells merged down over a household, ID numbers
typed with full-width digits, spaces or a lower-case x, or stored by Excel as numbers; CSV files in
UTF-8 with a BOM or in GBK.

A list is a sequence of dicts (header -> value); ``xlsx()`` and ``csv_bytes()`` lay them out.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from .factories import id_for

HEADERS = ("序号", "姓名", "身份证号码", "性别", "出生日期", "联系电话", "现住址", "所属村（社区）", "人员类别", "户主姓名", "与户主关系")

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def person(name: str, birth: date, seq: int, village: str = "南关社区", categories: str = "低保", *,
           head: str | None = None, relation: str = "户主", **extra) -> dict:
    """One row of a list (a valid ID number born on ``birth``; odd ``seq`` male)."""
    row = {
        "姓名": name, "身份证号码": id_for(birth, seq), "性别": "男" if seq % 2 else "女", "出生日期": birth.isoformat(),
        "联系电话": "", "现住址": f"{village}{seq}号", "所属村（社区）": village, "人员类别": categories,
        "户主姓名": name if head is None else head, "与户主关系": relation,
    }
    row.update(extra)
    return row


def family(village: str = "南关社区", *, seq: int = 10, categories: str = "低保") -> list[dict]:
    """A household of three: head, spouse, child (the child a left-behind child as well)."""
    return [
        person("王建国", date(1960, 5, 1), seq + 1, village, categories),
        person("李秀英", date(1962, 8, 9), seq + 2, village, categories, head="王建国", relation="妻"),
        person("王小明", date(2015, 1, 20), seq + 3, village, f"{categories}、留守儿童", head="王建国", relation="长子"),
    ]


def xlsx(rows: list[dict], *, headers=HEADERS, title: str | None = "海城市海州街道2025年低保对象花名册",
         subtitle: str | None = "填报单位：海州街道社会事务办    填报日期：2025年3月1日", merge_down=(), footer=True,
         raw: dict | None = None) -> bytes:
    """A workbook laid out like a township list.

    ``merge_down``: headers whose equal consecutive values are merged into one cell (所属村,
    户主姓名). ``raw``: ``{(row index, header): value}`` written as is (numbers, dates) over the
    text of ``rows``.
    """
    workbook = Workbook()
    ws = workbook.active
    width = len(headers)
    line = 1
    if title:
        ws.cell(line, 1, title)
        ws.merge_cells(start_row=line, start_column=1, end_row=line, end_column=width)
        line += 1
    if subtitle:
        ws.cell(line, 1, subtitle)
        ws.merge_cells(start_row=line, start_column=1, end_row=line, end_column=width)
        line += 1
    for col, header in enumerate(headers, start=1):
        ws.cell(line, col, header)
    first = line + 1
    for i, row in enumerate(rows):
        for col, header in enumerate(headers, start=1):
            value = (raw or {}).get((i, header), row.get(header, i + 1 if header == "序号" else ""))
            cell = ws.cell(first + i, col, value if value != "" else None)
            if header.startswith("身份证") and isinstance(value, str):
                cell.number_format = "@"
    for header in merge_down:
        col = headers.index(header) + 1
        start = 0
        for i in range(1, len(rows) + 1):
            if i == len(rows) or rows[i].get(header) != rows[start].get(header):
                if i - 1 > start:
                    for j in range(start + 1, i):
                        ws.cell(first + j, col).value = None
                    ws.merge_cells(start_row=first + start, start_column=col, end_row=first + i - 1, end_column=col)
                start = i
    if footer:
        end = first + len(rows)
        ws.cell(end, 1, "合计")
        ws.cell(end, 2, f"{len(rows)}人")
        ws.cell(end + 1, 1, "制表人：张会计    审核人：刘主任")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[dict], *, headers=HEADERS, encoding: str = "utf-8-sig", title: str | None = None) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if title:
        writer.writerow([title])
    writer.writerow(headers)
    for i, row in enumerate(rows):
        writer.writerow([row.get(h, i + 1 if h == "序号" else "") for h in headers])
    return buffer.getvalue().encode(encoding)


def upload(content: bytes, name: str = "名单.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def png() -> bytes:
    """A real (1×1) PNG: what a photo of a list renamed to .xlsx looks like."""
    import struct
    import zlib

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"\x00\xff\xff\xff"
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def docx() -> bytes:
    """A minimal Word document (a zip with word/document.xml)."""
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def many(count: int, village: str = "南关社区", *, start: int = 0, categories: str = "低保") -> list[dict]:
    """``count`` distinct people, two to a household (generated names, valid IDs)."""
    rows = []
    for i in range(start, start + count):
        birth = date(1930 + i % 80, 1 + i % 12, 1 + (i // 12) % 28)
        seq = 1 + (i // 960) % 999
        name = "赵" + chr(0x4E00 + (i * 7919) % 20000) + chr(0x4E00 + (i * 104729) % 20000)
        head = rows[-1]["姓名"] if i % 2 else name
        rows.append(person(name, birth, seq, village, categories, head=head, relation="配偶" if i % 2 else "户主"))
    return rows


def to_full_width(value: str) -> str:
    return value.translate(FULL_WIDTH)
