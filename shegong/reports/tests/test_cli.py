"""``shegong report``: the files of a report with today's figures, written to a folder.

Given the 海城市 programme with 3 community activities in October 2025, when the command is run for
the county's month, the operator's month, a quarter and a year, then it writes the .xlsx and .docx
(and the .pdf when asked) named after the report and prints their paths; a bad code or period is a
clear message in Chinese and English and a non-zero exit.
"""

import io
import sys

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from openpyxl import load_workbook

from shegong.cli import main
from shegong.reports.models import Report

pytestmark = pytest.mark.django_db


def run(*args) -> list[str]:
    out = io.StringIO()
    call_command("report", *args, stdout=out)
    return out.getvalue().splitlines()


def _kpis(path) -> dict:
    sheet = load_workbook(path)["指标完成情况"]
    header = next(i for i, row in enumerate(sheet.iter_rows(values_only=True)) if row[0] == "指标")
    rows = list(sheet.iter_rows(values_only=True))[header + 1:]
    return {row[0]: row[1] for row in rows}


def test_the_countys_monthly_report(programme, add_activities, tmp_path):
    add_activities(3)
    lines = run("monthly", "--county", "210381", "--month", "2025-10", "--out", str(tmp_path))
    assert lines[0].startswith("海城市社会工作服务站2025年10月工作月报")
    paths = [line for line in lines[1:]]
    assert [p.rsplit(".", 1)[1] for p in paths] == ["xlsx", "docx"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["海城市社会工作服务站2025年10月工作月报.docx",
                                                          "海城市社会工作服务站2025年10月工作月报.xlsx"]
    figures = _kpis(tmp_path / "海城市社会工作服务站2025年10月工作月报.xlsx")
    assert 3 in figures.values()
    assert not Report.objects.exists()  # nothing saved


def test_the_operators_report_with_a_pdf(programme, add_activities, tmp_path):
    add_activities(2)
    lines = run("monthly", "--county", "210381", "--month", "2025-10", "--operator", str(programme["operator"].pk),
                "--out", str(tmp_path), "--pdf")
    assert [line.rsplit(".", 1)[1] for line in lines[1:]] == ["xlsx", "docx", "pdf"]
    assert all(programme["operator"].name in line for line in lines[1:])
    assert (tmp_path / f"海城市社会工作服务站2025年10月工作月报（{programme['operator'].name}）.pdf").read_bytes().startswith(b"%PDF")


def test_quarter_half_year_and_year(programme, tmp_path):
    assert "2025年第三季度工作季报" in run("quarterly", "--county", "210381", "--quarter", "2025-Q3", "--out", str(tmp_path))[0]
    assert "2025年上半年工作报告" in run("half-year", "--county", "210381", "--half", "2025-H1", "--out", str(tmp_path))[0]
    assert "鞍山市社会工作服务站2025年度工作报告" in run("annual", "--county", "2103", "--year", "2025", "--out", str(tmp_path))[0]


@pytest.mark.parametrize("args, says", [
    (("monthly", "--county", "999999", "--month", "2025-10"), "999999"),
    (("monthly", "--county", "210381", "--month", "2025-Q3"), "2025-Q3"),
    (("quarterly", "--county", "210381", "--quarter", "2025-Q5"), "2025-Q5"),
    (("monthly", "--county", "2103", "--month", "2025-10"), "county"),
    (("monthly", "--county", "210381", "--month", "2025-10", "--operator", "99999"), "99999"),
    (("monthly", "--county", "210381", "--month", "2024-03", "--operator", "OP"), "no contract"),
])
def test_bad_input_is_a_clear_error(programme, args, says):
    args = tuple(str(programme["operator"].pk) if a == "OP" else a for a in args)
    with translation.override("en"), pytest.raises(CommandError) as error:
        run(*args)
    assert says in str(error.value)


def test_the_console_script_exits_non_zero(programme, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["shegong", "report", "monthly", "--county", "999999", "--month", "2025-10"])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code != 0
    err = capsys.readouterr().err
    assert "没有代码为 999999 的行政区划" in err and "no region has the code 999999" in err
