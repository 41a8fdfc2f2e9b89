"""The files render: opened by LibreOffice (the Excel and Word files) and by poppler, each shows the
Chinese title, the indicators and the actual figures, in a CJK font (no boxes for characters).

Given the operator's October 2025 report approved with 7 community activities and 3 policy
publicity events against monthly targets of 1 each, when its .xlsx and .docx are converted to PDF
by LibreOffice headless and every PDF (the WeasyPrint one as it is) is read back with pdftotext,
pdffonts and pdftoppm, then the text holds the title, the indicator table's headings and labels,
and 700 % and 300 %; a CJK font is embedded; the first page is saved to
test-artifacts/screenshots/ to be looked at.

These tests need LibreOffice and poppler-utils (scripts/test installs them): without them they fail,
saying so. One test per format: LibreOffice is slow to start.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from shegong.casework.models import ActivityKind
from shegong.monitoring.periods import Period
from shegong.reports import services

pytestmark = pytest.mark.django_db
SCREENSHOTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "screenshots"
TITLE = "海城市社会工作服务站2025年10月工作月报"
TOOLS = ("soffice", "pdftoppm", "pdftotext", "pdffonts")


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is missing: the render checks need LibreOffice (libreoffice-writer, libreoffice-calc) "
                    "and poppler-utils — scripts/test installs them (apt-get install ...).")
    return path


def _run(*args, cwd=None, timeout=240) -> str:
    result = subprocess.run(args, capture_output=True, text=True, timeout=timeout, cwd=cwd, check=False)
    assert result.returncode == 0, f"{args[0]} failed: {result.stderr or result.stdout}"
    return result.stdout


@pytest.fixture
def approved(programme, add_activities):
    add_activities(7)
    add_activities(3, kind=ActivityKind.PUBLICITY, title="社会救助政策宣传")
    people = programme["people"]
    manager = people["operator_manager"]
    report = services.create_report(actor=manager, period=Period.month(2025, 10), contract=programme["contract"])
    report = services.update_narrative(actor=manager, report=report, expected_version=report.version,
                                       summary="十月，社工站开展重阳节敬老活动七场、政策宣传三场。",
                                       problems="培训时长不足。", next_steps="十一月集中培训。")
    report = services.submit(actor=manager, report=report)
    return services.approve(actor=people["county_bureau"], report=report)


def _to_pdf(source: Path, work: Path) -> Path:
    """``source`` converted by LibreOffice headless, with a profile of its own (parallel runs)."""
    profile = work / "lo-profile"
    _run(_tool("soffice"), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--convert-to", "pdf",
         "--outdir", str(work), str(source))
    pdf = work / (source.stem + ".pdf")
    assert pdf.exists(), f"LibreOffice wrote no PDF for {source.name}"
    return pdf


def _check(pdf: Path, work: Path, name: str, report, *, percent: str) -> None:
    for tool in TOOLS[1:]:
        _tool(tool)
    text = re.sub(r"\s+", "", _run("pdftotext", "-layout", str(pdf), "-"))
    assert TITLE in text
    for heading in ("指标", "完成", "目标", "完成率", "状态", "目标来源"):
        assert heading in text, heading
    figures = {f["key"]: f for f in report.snapshot["figures"]}
    for key in ("activities", "publicity", "cases"):
        assert re.sub(r"\s+", "", figures[key]["label"]) in text, figures[key]["label"]
    assert (figures["activities"]["actual"], figures["publicity"]["actual"]) == ("7", "3")
    assert f"700{percent}" in text and f"300{percent}" in text, text[:3000]
    fonts = _run("pdffonts", str(pdf))
    assert re.search(r"CJK|WenQuanYi|SourceHan|Hei|Song", fonts), f"no CJK font in {name}:\n{fonts}"
    _run("pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(work / name))
    page = next(work.glob(f"{name}*.png"))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(page, SCREENSHOTS / f"report-{name}.png")


def test_the_workbook_renders(approved, tmp_path):
    source = tmp_path / "report.xlsx"
    source.write_bytes(approved.xlsx_file.read())
    _check(_to_pdf(source, tmp_path), tmp_path, "xlsx", approved, percent=".0%")


def test_the_word_file_renders(approved, tmp_path):
    source = tmp_path / "report.docx"
    source.write_bytes(approved.docx_file.read())
    _check(_to_pdf(source, tmp_path), tmp_path, "docx", approved, percent="%")


def test_the_pdf_renders(approved, tmp_path):
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(approved.pdf_file.read())
    _check(pdf, tmp_path, "pdf", approved, percent="%")
    # LibreOffice opens it too (Draw's PDF import) and draws its first page: not a blank image.
    from PIL import Image

    work = tmp_path / "lo"
    work.mkdir()
    _run(_tool("soffice"), f"-env:UserInstallation={(tmp_path / 'lo-profile').as_uri()}", "--headless",
         "--convert-to", "png", "--outdir", str(work), str(pdf))
    image = work / "report.png"
    assert image.exists(), "LibreOffice could not open the PDF (is libreoffice-draw installed?)"
    with Image.open(image) as page:
        inked = sum(1 for value in page.convert("L").getdata() if value < 128)
        assert inked > 0.002 * page.width * page.height, "LibreOffice drew an empty page"
        page.save(SCREENSHOTS / "report-pdf-libreoffice.png")
