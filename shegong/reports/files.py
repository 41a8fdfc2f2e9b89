"""A report's three files — Excel (openpyxl), Word (python-docx) and PDF (WeasyPrint) — made from its
snapshot and text only (:mod:`.document`), so the same report always makes the same bytes: the
files carry the moment the figures were taken, never the moment they were made.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

from django.template.loader import render_to_string

from .document import CATEGORY_HEADERS, FONT, FONT_FALLBACKS, KPI_HEADERS, Document, document, numbered, show

FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


class PdfUnavailable(RuntimeError):
    """WeasyPrint cannot run: the system's Pango library is missing."""


def build(report, fmt: str) -> bytes:
    """The file of ``report`` in ``fmt`` (xlsx, docx or pdf)."""
    doc = document(report)
    if fmt == "xlsx":
        return build_xlsx(doc)
    if fmt == "docx":
        return build_docx(doc)
    if fmt == "pdf":
        return build_pdf(doc)
    raise ValueError(f"unknown report format {fmt!r}")


def filename(report, fmt: str) -> str:
    """``海城市社会工作服务站2026年10月工作月报（海城市阳光社会工作服务中心）（第2版）.docx``."""
    operator = ((report.snapshot or {}).get("report") or {}).get("operator") or {}
    who = f"（{operator['name']}）" if operator.get("name") else ""
    suffix = f"（第{report.revision}版）" if report.revision > 1 else ""
    return f"{report.title}{who}{suffix}.{fmt}".replace("/", "／")


def _same_every_time(data: bytes, stamp: datetime) -> bytes:
    """The zip ``data`` with every member dated ``stamp`` (zip writers date them "now")."""
    moment = (max(stamp.year, 1980), stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=moment)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            target.writestr(info, source.read(item.filename))
    return out.getvalue()


def _naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None)


# --- Excel -------------------------------------------------------------------------------------


def build_xlsx(doc: Document) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    thin = Side(style="thin", color="B9C3CC")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    head_fill = PatternFill("solid", fgColor="E6F4F2")
    status_fill = {"met": "E7F6EE", "on_track": "FFF6DB", "lagging": "FDECEA"}
    base = Font(name=FONT, size=10)
    bold = Font(name=FONT, size=10, bold=True)
    title_font = Font(name=FONT, size=14, bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")

    wb = Workbook()
    wb.properties.title = doc.title
    wb.properties.creator = "社工站信息系统"
    wb.properties.lastModifiedBy = "社工站信息系统"
    wb.properties.created = wb.properties.modified = _naive(doc.stamp)

    def sheet(ws, title_lines: list[str], headers: list[str], rows: list[list], widths: list[int], *, number_cols=()):
        """A titled table: the title lines, a blank row, the header row (frozen with the lines above)."""
        for i, line in enumerate(title_lines, start=1):
            cell = ws.cell(row=i, column=1, value=line)
            cell.font = title_font if i == 1 else base
            ws.merge_cells(start_row=i, start_column=1, end_row=i, end_column=max(len(headers), 1))
        header_row = len(title_lines) + 2
        for col, text in enumerate(headers, start=1):
            cell = ws.cell(row=header_row, column=col, value=text)
            cell.font, cell.fill, cell.border = bold, head_fill, border
            cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        for r, row in enumerate(rows, start=header_row + 1):
            for col, value in enumerate(row, start=1):
                fill = None
                if isinstance(value, tuple):  # (value, status) — coloured by status
                    value, fill = value
                cell = ws.cell(row=r, column=col, value=value)
                cell.font, cell.border, cell.alignment = base, border, wrap
                if col in number_cols and value is not None and not isinstance(value, str):
                    cell.alignment = Alignment(horizontal="right", vertical="top")
                if fill in status_fill:
                    cell.fill = PatternFill("solid", fgColor=status_fill[fill])
        for col, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(col)].width = width
        ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
        ws.print_title_rows = f"{header_row}:{header_row}"
        ws.page_setup.orientation = "landscape" if sum(widths) > 100 else "portrait"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True

    intro = [doc.title, f"报送单位：{doc.writer_unit}" + (f"（合同 {doc.contract}）" if doc.contract else ""),
             f"报告期：{doc.period_start}至{doc.period_end}　数据截至：{doc.as_of}　状态：{doc.status_zh}（第{doc.revision}版）"]

    ws = wb.active
    ws.title = "指标完成情况"
    rows = []
    for f in doc.figures:
        rows.append([f.name, f.actual, f.target, None if f.completion is None else f.completion / 100,
                     (f.status_zh, f.status), f.source or "—"])
    sheet(ws, intro, list(KPI_HEADERS), rows, [34, 12, 12, 10, 12, 40], number_cols=(2, 3, 4))
    for r in range(len(intro) + 3, len(intro) + 3 + len(rows)):
        ws.cell(row=r, column=4).number_format = "0.0%"

    ws = wb.create_sheet("分月服务")
    headers = ["月份", *[heading for heading, _values in doc.series]]
    rows = [[month, *[values[i] if i < len(values) else None for _h, values in doc.series]] for i, month in enumerate(doc.months)]
    rows.append(["合计", *[sum((v or 0) for v in values) for _h, values in doc.series]])
    sheet(ws, [doc.title, "各月服务量"], headers, rows, [12] + [14] * len(doc.series), number_cols=range(2, len(headers) + 1))
    if doc.domains:
        start = 2 + 2 + len(rows) + 3  # below the table, after a blank row
        ws.cell(row=start - 1, column=1, value="按服务领域（服务记录条数）").font = bold
        domain_headers = ["服务领域", *doc.months, "合计"]
        for col, text in enumerate(domain_headers, start=1):
            cell = ws.cell(row=start, column=col, value=text)
            cell.font, cell.fill, cell.border = bold, head_fill, border
        for r, (name, by_month, total) in enumerate(doc.domains, start=start + 1):
            for col, value in enumerate([name, *by_month, total], start=1):
                cell = ws.cell(row=r, column=col, value=value)
                cell.font, cell.border = base, border
        ws.column_dimensions["A"].width = 22

    ws = wb.create_sheet(doc.children_title.removesuffix("情况"))
    headers = ["名称", "区划代码", "站点数", *[f.name for f in doc.figures]]
    rows = []
    for child in doc.children:
        row = [child.name, child.code, child.stations]
        for f in doc.figures:
            cf = child.figures.get(f.key)
            row.append((cf.actual, cf.status) if cf is not None else None)
        rows.append(row)
    sheet(ws, [doc.title, doc.children_title + "（完成数；绿色已完成，黄色进度正常，红色滞后）"], headers, rows,
          [20, 12, 8] + [14] * len(doc.figures), number_cols=range(3, len(headers) + 1))

    ws = wb.create_sheet("覆盖情况")
    rows = [[label, people, visited, None if rate is None else rate / 100] for label, people, visited, rate in doc.categories]
    sheet(ws, [doc.title, f"各类对象走访覆盖（{doc.period_zh}，年初至期末）"], list(CATEGORY_HEADERS), rows, [24, 12, 14, 12],
          number_cols=(2, 3, 4))
    for r in range(5, 5 + len(rows)):
        ws.cell(row=r, column=4).number_format = "0.0%"

    from openpyxl.writer.excel import ExcelWriter

    out = io.BytesIO()
    # ExcelWriter as Workbook.save uses it, without the "modified: now" that save() stamps.
    ExcelWriter(wb, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True)).save()
    return _same_every_time(out.getvalue(), doc.stamp)


# --- Word --------------------------------------------------------------------------------------


def _cjk(element, font: str = FONT) -> None:
    """Name ``font`` for East-Asian text too (w:eastAsia): Word otherwise keeps a Latin font for
    Chinese and the reader gets boxes."""
    from docx.oxml.ns import qn

    r_pr = element.get_or_add_rPr()
    fonts = r_pr.get_or_add_rFonts()
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), font)
    lang = r_pr.find(qn("w:lang"))
    if lang is None:
        lang = r_pr.makeelement(qn("w:lang"), {})
        r_pr.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")


def _font_fallback(document_part) -> None:
    """Tell Word which installed font to use when Noto Sans CJK SC is missing (Windows: 微软雅黑)."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    try:
        font_table = next(p for p in document_part.package.parts if p.partname.endswith("fontTable.xml"))
    except StopIteration:
        return
    xml = font_table.blob.decode("utf-8")
    entry = (f'<w:font {nsdecls("w")} w:name="{FONT}"><w:altName w:val="Microsoft YaHei"/><w:charset w:val="86"/>'
             '<w:family w:val="swiss"/><w:pitch w:val="variable"/></w:font>')
    if f'w:name="{FONT}"' in xml:
        return
    element = parse_xml(xml.encode("utf-8"))
    element.append(parse_xml(entry))
    from lxml import etree

    font_table._blob = etree.tostring(element, xml_declaration=True, encoding="UTF-8", standalone=True)


def _shade(cell, colour: str) -> None:
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    cell._tc.get_or_add_tcPr().append(parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="{colour}"/>'))


def _page_number(paragraph) -> None:
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    paragraph.add_run("第 ")
    paragraph._p.append(parse_xml(f'<w:fldSimple {nsdecls("w")} w:instr="PAGE"><w:r><w:t>1</w:t></w:r></w:fldSimple>'))
    paragraph.add_run(" 页")


def build_docx(doc: Document) -> bytes:
    from docx import Document as Docx
    from docx.enum.section import WD_ORIENT
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt, RGBColor

    word = Docx()
    section = word.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.4)
    section.top_margin, section.bottom_margin = Cm(2.5), Cm(2.2)
    for name in ("Normal", "Title", "Heading 1", "Heading 2", "Table Grid"):
        style = word.styles[name]
        _cjk(style.element)
        if name != "Table Grid":
            style.font.color.rgb = RGBColor(0x1F, 0x29, 0x33)
    word.styles["Normal"].font.size = Pt(11)
    word.styles["Heading 1"].font.size = Pt(14)
    _font_fallback(word.part)

    props = word.core_properties
    props.title, props.author, props.last_modified_by = doc.title, "社工站信息系统", "社工站信息系统"
    props.created = props.modified = props.last_printed = _naive(doc.stamp)
    props.revision = doc.revision

    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_number(footer)

    title = word.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(doc.title)
    run.bold, run.font.size = True, Pt(18)
    _cjk(run._r)
    for line in (
        f"报送单位：{doc.writer_unit}" + (f"（合同 {doc.contract}）" if doc.contract else ""),
        f"报告期：{doc.period_start}至{doc.period_end}（{doc.period_zh}）",
        f"数据截至：{doc.as_of}　状态：{doc.status_zh}（第{doc.revision}版）",
        *[f"{what}：{who}" for what, who in doc.steps],
    ):
        p = word.add_paragraph(line)
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.space_after = Pt(0)
    word.add_paragraph()

    def heading(text):
        h = word.add_heading(text, level=1)
        for r in h.runs:
            _cjk(r._r)

    def body(text):
        for line in text.splitlines() or [""]:
            if line.strip():
                p = word.add_paragraph(line.strip())
                p.paragraph_format.first_line_indent = Pt(22)

    def table(headers, rows, widths_cm):
        t = word.add_table(rows=1 + len(rows), cols=len(headers))
        t.style = word.styles["Table Grid"]
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        t.autofit = False
        widths = [Cm(w) for w in widths_cm]
        for i, width in enumerate(widths):
            t.columns[i].width = width
        for index, row in enumerate(t.rows):
            cells = row.cells  # computed from the grid on every access: once per row
            for i, value in enumerate(headers if index == 0 else rows[index - 1]):
                cell = cells[i]
                cell.width = widths[i]
                r = cell.paragraphs[0].add_run(str(value))
                r.font.size = Pt(9.5)
                if index == 0:
                    r.bold = True
                    _shade(cell, "E6F4F2")
        return t

    sections = dict(doc.sections)
    n = 0
    if "工作概述" in sections:
        heading(numbered(n, "工作概述"))
        body(sections["工作概述"])
        n += 1
    heading(numbered(n, "主要指标完成情况"))
    n += 1
    word.add_paragraph(f"指标按{doc.period_zh}计，目标按期内应完成部分折算；数据由系统根据服务记录自动汇总。")
    table(list(KPI_HEADERS), [f.cells() for f in doc.figures], [4.6, 2.2, 2.2, 1.8, 1.8, 3.6])
    for name in ("主要成效", "存在问题", "下阶段计划"):
        if name in sections:
            heading(numbered(n, name))
            body(sections[name])
            n += 1
    if doc.children:
        heading(numbered(n, doc.children_title))
        n += 1
        keys = doc.child_keys
        headers = ["名称", "站点数", *[doc.figure(k).label for k in keys]]
        rows = [[c.name, c.stations, *[show(c.figures[k].actual, c.figures[k].unit) if k in c.figures else "—" for k in keys]]
                for c in doc.children]
        width = 12.2 / max(len(keys), 1)
        table(headers, rows, [3.0, 1.0, *[width] * len(keys)])
    if doc.categories:
        heading(numbered(n, "各类对象走访覆盖"))
        table(list(CATEGORY_HEADERS), [[label, show(p), show(v), show(r, "%")] for label, p, v, r in doc.categories],
              [5.5, 3.0, 3.0, 3.0])
    out = io.BytesIO()
    word.save(out)
    return _same_every_time(out.getvalue(), doc.stamp)


# --- PDF ---------------------------------------------------------------------------------------

PANGO_MISSING = (
    "PDF 文件需要系统库 Pango（Debian：apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk）。 / "
    "PDF files need the Pango system library (Debian: apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk)."
)


def weasyprint():
    """WeasyPrint, or :class:`PdfUnavailable` naming what to install."""
    try:
        import weasyprint as module
    except OSError as exc:  # cffi could not open libpango / libpangoft2
        raise PdfUnavailable(f"{PANGO_MISSING} ({exc})") from exc
    return module


def _no_fetching(url, *args, **kwargs):
    """The PDF is made from the template alone: no file, no network, no remote font."""
    raise ValueError(f"reports fetch nothing: {url}")


def build_pdf(doc: Document) -> bytes:
    wp = weasyprint()
    html = render_to_string("reports/report_print.html", {"doc": doc, "blocks": _pdf_blocks(doc)})
    css = render_to_string("reports/report_print.css", {"font_stack": ", ".join(FONT_FALLBACKS)})
    page = wp.HTML(string=html, url_fetcher=_no_fetching, base_url="about:blank")
    return page.write_pdf(stylesheets=[wp.CSS(string=css, url_fetcher=_no_fetching)], uncompressed_pdf=False)


def _pdf_blocks(doc: Document) -> list[tuple[str, str, str]]:
    """(kind, numbered heading, text) of each part of the PDF, in the order of the Word file."""
    sections = dict(doc.sections)
    parts = [("text", name, sections[name]) for name in ("工作概述",) if name in sections]
    parts.append(("kpi", "主要指标完成情况", ""))
    parts += [("text", name, sections[name]) for name in ("主要成效", "存在问题", "下阶段计划") if name in sections]
    parts.append(("series", "各月服务", ""))
    if doc.children:
        parts.append(("children", doc.children_title, ""))
    if doc.categories:
        parts.append(("categories", "各类对象走访覆盖", ""))
    return [(kind, numbered(i, name), text) for i, (kind, name, text) in enumerate(parts)]
