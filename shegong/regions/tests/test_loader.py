"""The region loader and the ``regions load`` command.

Inputs are the slice shipped in the package (海城市) and small CSV files written to tmp_path.
Every test starts from an empty region table (emptied inside the test's transaction, so whatever
the session put there comes back afterwards).
"""

import io
import re
import shutil
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from shegong.regions import loader
from shegong.regions.loader import LoadReport, RegionLoadError, default_slice_dir, load_regions
from shegong.regions.models import Region

pytestmark = pytest.mark.django_db

SLICE_COUNTS = {1: 1, 2: 1, 3: 1, 4: 26, 5: 435}
SLICE_TOTAL = sum(SLICE_COUNTS.values())  # 464

HEADERS = {
    "provinces.csv": "code,name",
    "cities.csv": "code,name,provinceCode",
    "areas.csv": "code,name,cityCode,provinceCode",
    "streets.csv": "code,name,areaCode,provinceCode,cityCode",
    "villages.csv": "code,name,streetCode,provinceCode,cityCode,areaCode",
}


def write_csv(directory: Path, filename: str, rows: list[list[str]], header: str | None = None) -> None:
    """Write a file in the national layout: header, then code,"name",other codes."""
    lines = [header if header is not None else HEADERS[filename]]
    for code, name, *rest in rows:
        lines.append(",".join([code, f'"{name}"', *rest]))
    (directory / filename).write_text("\n".join(lines) + "\n", encoding="utf-8")


def base_rows() -> dict[str, list[list[str]]]:
    """A valid set on top of the slice: six new codes and one changed name (海城市)."""
    return {
        "provinces.csv": [["21", "辽宁省"], ["99", "测试省"]],
        "cities.csv": [["2103", "鞍山市", "21"], ["9901", "测试市", "99"]],
        "areas.csv": [["210381", "海城市改名", "2103", "21"], ["990101", "测试县", "9901", "99"]],
        "streets.csv": [["990101001", "测试街道", "990101", "99", "9901"]],
        "villages.csv": [
            ["990101001001", "测试社区", "990101001", "99", "9901", "990101"],
            ["990101001002", "第二社区", "990101001", "99", "9901", "990101"],
        ],
    }


def write_set(directory: Path, rows: dict[str, list[list[str]]], headers: dict[str, str] | None = None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for filename, file_rows in rows.items():
        write_csv(directory, filename, file_rows, (headers or {}).get(filename))
    return directory


def snapshot() -> list[tuple]:
    return list(Region.objects.order_by("code").values_list("code", "name", "level", "parent_id"))


@pytest.fixture(autouse=True)
def empty_region_table(db):
    # Raw SQL: the self-referencing FK is PROTECT for the ORM but deferred in the database.
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(Region._meta.db_table)}")
    assert Region.objects.count() == 0


@pytest.fixture
def slice_loaded() -> list[tuple]:
    report = load_regions(default_slice_dir())
    assert report.added == SLICE_TOTAL
    return snapshot()


# --- the shipped slice ---------------------------------------------------------------------


def test_shipped_slice_loads_with_the_right_counts_and_tree():
    assert Region.objects.count() == 0
    report = load_regions(default_slice_dir())

    assert isinstance(report, LoadReport)
    assert (report.added, report.changed, report.unchanged, report.total) == (SLICE_TOTAL, 0, 0, SLICE_TOTAL)
    assert report.seconds >= 0
    assert Region.objects.count() == SLICE_TOTAL
    for level, count in SLICE_COUNTS.items():
        assert Region.objects.filter(level=level).count() == count, level

    gushan = Region.objects.get(code="210381101")
    assert gushan.name == "孤山镇"
    assert gushan.level == 4
    assert gushan.parent_id == "210381"
    assert [r.code for r in gushan.path()] == ["21", "2103", "210381", "210381101"]
    assert gushan.full_name() == "辽宁省鞍山市海城市孤山镇"
    assert Region.objects.get(code="21").parent_id is None
    # Every village hangs under a township of 海城市, every township under 海城市.
    assert set(Region.objects.filter(level=5).values_list("parent__parent_id", flat=True)) == {"210381"}
    assert set(Region.objects.filter(level=4).values_list("parent_id", flat=True)) == {"210381"}
    assert gushan.children.count() == 12


def test_shipped_slice_files_are_only_haicheng():
    directory = default_slice_dir()
    package = Path(loader.__file__).resolve().parent
    assert directory.is_relative_to(package)
    for filename, header in HEADERS.items():
        lines = (directory / filename).read_text(encoding="utf-8").splitlines()
        assert lines[0] == header
        for line in lines[1:]:
            code = line.split(",", 1)[0]
            assert code.startswith("210381") or code in {"21", "2103"}, (filename, line)
            assert re.fullmatch(r'\d+,"[^"]+"(,\d+)*', line), (filename, line)


def test_rerun_is_a_no_op(slice_loaded):
    report = load_regions(default_slice_dir())
    assert (report.added, report.changed, report.unchanged, report.total) == (0, 0, SLICE_TOTAL, SLICE_TOTAL)
    assert snapshot() == slice_loaded


def test_changed_name_is_reported_and_updated(slice_loaded, tmp_path):
    changed = tmp_path / "changed"
    shutil.copytree(default_slice_dir(), changed)
    streets = changed / "streets.csv"
    text = streets.read_text(encoding="utf-8")
    assert text.count('"孤山镇"') == 1
    streets.write_text(text.replace('"孤山镇"', '"孤山新镇"'), encoding="utf-8")

    report = load_regions(changed)

    assert (report.added, report.changed, report.unchanged) == (0, 1, SLICE_TOTAL - 1)
    assert Region.objects.get(code="210381101").name == "孤山新镇"
    after = dict((code, rest) for code, *rest in snapshot())
    before = dict((code, rest) for code, *rest in slice_loaded)
    assert {code for code in before if before[code] != after[code]} == {"210381101"}


def test_valid_small_set_adds_and_changes(slice_loaded, tmp_path):
    """The control for the malformed cases below: unmodified, the base set loads."""
    report = load_regions(write_set(tmp_path / "base", base_rows()))
    assert (report.added, report.changed, report.unchanged, report.total) == (6, 1, 2, 9)
    assert Region.objects.get(code="210381").name == "海城市改名"
    assert Region.objects.get(code="990101001002").parent_id == "990101001"
    assert Region.objects.count() == SLICE_TOTAL + 6


def test_parent_may_already_be_in_the_database(slice_loaded, tmp_path):
    directory = tmp_path / "one"
    directory.mkdir()
    write_csv(directory, "villages.csv", [["210381101999", "新村", "210381101", "21", "2103", "210381"]])
    report = load_regions(directory)
    assert (report.added, report.changed, report.unchanged) == (1, 0, 0)
    assert Region.objects.get(code="210381101999").parent_id == "210381101"


# --- malformed input: an error naming file and line, and nothing written ------------------


def _set_cell(filename, row, column, value):
    def mutate(rows, headers):
        rows[filename][row][column] = value

    return mutate


def _append(filename, new_row):
    def mutate(rows, headers):
        rows[filename].append(new_row)

    return mutate


def _header(filename, header):
    def mutate(rows, headers):
        headers[filename] = header

    return mutate


MALFORMED = {
    "bad code length": (
        _set_cell("villages.csv", 1, 0, "9901010010"),
        "villages.csv",
        3,
        ["位数不对（应为12位）", "code has 10 digits, expected 12"],
    ),
    "wrong parent column": (
        _set_cell("villages.csv", 0, 2, "990101002"),
        "villages.csv",
        2,
        ["streetCode 应为 990101001", "streetCode should be 990101001"],
    ),
    "wrong other ancestor column": (
        _set_cell("streets.csv", 0, 4, "9902"),
        "streets.csv",
        2,
        ["cityCode 应为 9901", "cityCode should be 9901"],
    ),
    "non-digit code": (
        _set_cell("cities.csv", 1, 0, "99O1"),
        "cities.csv",
        3,
        ["不是纯数字", "is not all digits"],
    ),
    "empty name": (
        _set_cell("areas.csv", 1, 1, " "),
        "areas.csv",
        3,
        ["名称是空的", "empty name"],
    ),
    "duplicate code": (
        _append("villages.csv", ["990101001001", "重复社区", "990101001", "99", "9901", "990101"]),
        "villages.csv",
        4,
        ["代码 990101001001 重复（第2行已有）", "duplicate code 990101001001 (already on line 2)"],
    ),
    "missing parent": (
        _append("villages.csv", ["990101002001", "孤儿社区", "990101002", "99", "9901", "990101"]),
        "villages.csv",
        4,
        ["上级 990101002 既不在文件中，也不在数据库中", "parent 990101002 of code 990101002001 is neither"],
    ),
    "bad header": (
        _header("cities.csv", "code,name,province"),
        "cities.csv",
        1,
        ["标题行应为 code,name,provinceCode", "header should be code,name,provinceCode"],
    ),
    "wrong column count": (
        _set_cell("provinces.csv", 1, 1, '测试省",99'),
        "provinces.csv",
        3,
        ["应有 2 列", "expected 2 columns"],
    ),
}


@pytest.mark.parametrize("case", MALFORMED.keys())
def test_malformed_input_names_file_and_line_and_writes_nothing(case, slice_loaded, tmp_path):
    mutate, filename, line, fragments = MALFORMED[case]
    rows, headers = base_rows(), {}
    mutate(rows, headers)
    directory = write_set(tmp_path / "bad", rows, headers)

    with pytest.raises(RegionLoadError) as caught:
        load_regions(directory)

    errors = caught.value.errors
    assert len(errors) == 1, errors
    error = errors[0]
    assert f"{filename} 第{line}行：" in error
    assert f"{filename} line {line}: " in error
    for fragment in fragments:
        assert fragment in error
    # The base set has new rows and a changed name: none of it may have been written.
    assert Region.objects.count() == len(slice_loaded)
    assert snapshot() == slice_loaded


def test_all_errors_are_listed_up_to_a_cap(tmp_path):
    directory = tmp_path / "many"
    directory.mkdir()
    write_csv(directory, "provinces.csv", [["21", "辽宁省"]])
    write_csv(directory, "cities.csv", [[f"21{i:02d}"[:3], "坏市", "21"] for i in range(60)] + [["2103", "", "21"]])
    with pytest.raises(RegionLoadError) as caught:
        load_regions(directory)
    errors = caught.value.errors
    assert caught.value.total == 61
    assert len(errors) == loader.MAX_LISTED_ERRORS + 1
    assert errors[0].startswith("cities.csv 第2行：")
    assert errors[49].startswith("cities.csv 第51行：")
    assert "另有 11 处错误" in errors[-1] and "11 more errors" in errors[-1]
    assert Region.objects.count() == 0


@pytest.mark.parametrize("kind", ["missing", "empty", "headers only", "other files"])
def test_missing_or_empty_directory_is_an_error(kind, tmp_path):
    directory = tmp_path / "d"
    if kind != "missing":
        directory.mkdir()
    if kind == "headers only":
        for filename, header in HEADERS.items():
            (directory / filename).write_text(header + "\n", encoding="utf-8")
    if kind == "other files":
        (directory / "README.md").write_text("nothing here\n", encoding="utf-8")
    with pytest.raises(RegionLoadError) as caught:
        load_regions(directory)
    assert str(directory) in caught.value.errors[0]
    assert Region.objects.count() == 0


# --- under ---------------------------------------------------------------------------------


def test_under_loads_the_township_its_villages_and_ancestors():
    report = load_regions(default_slice_dir(), under="210381101")

    codes = set(Region.objects.values_list("code", flat=True))
    assert {"21", "2103", "210381", "210381101"} <= codes
    villages = {c for c in codes if len(c) == 12}
    assert len(villages) == 12
    assert all(c.startswith("210381101") for c in villages)
    assert codes - villages == {"21", "2103", "210381", "210381101"}
    assert (report.added, report.total) == (16, 16)
    assert Region.objects.get(code="210381101").parent_id == "210381"


def test_under_then_everything_adds_the_rest(tmp_path):
    load_regions(default_slice_dir(), under="210381101")
    report = load_regions(default_slice_dir())
    assert (report.added, report.changed, report.unchanged) == (SLICE_TOTAL - 16, 0, 16)


@pytest.mark.parametrize("under", ["2103811", "21038110A", "210381999", "22"])
def test_bad_or_empty_under_is_an_error(under):
    with pytest.raises(RegionLoadError) as caught:
        load_regions(default_slice_dir(), under=under)
    assert under in caught.value.errors[0]
    assert Region.objects.count() == 0


# --- the management command ----------------------------------------------------------------


def test_command_loads_a_directory_and_prints_a_summary(tmp_path):
    directory = tmp_path / "copy"
    shutil.copytree(default_slice_dir(), directory)
    out = io.StringIO()
    call_command("regions", "load", str(directory), stdout=out)
    text = out.getvalue()
    assert f"新增 {SLICE_TOTAL}，变更 0，未变 0（共 {SLICE_TOTAL} 行" in text
    assert f"added {SLICE_TOTAL}, changed 0, unchanged 0" in text
    assert Region.objects.count() == SLICE_TOTAL

    out = io.StringIO()
    call_command("regions", "load", str(directory), stdout=out)
    assert f"added 0, changed 0, unchanged {SLICE_TOTAL}" in out.getvalue()


def test_command_without_a_directory_loads_the_shipped_slice():
    call_command("regions", "load", stdout=io.StringIO())
    assert Region.objects.count() == SLICE_TOTAL


def test_command_under():
    out = io.StringIO()
    call_command("regions", "load", "--under", "210381101", stdout=out)
    assert "added 16," in out.getvalue()
    assert Region.objects.count() == 16


def test_command_error_lists_errors_and_writes_nothing(slice_loaded, tmp_path):
    rows = base_rows()
    rows["villages.csv"][1][0] = "2103811"
    directory = write_set(tmp_path / "bad", rows)
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("regions", "load", str(directory), stdout=out, stderr=err)
    assert "未写入任何数据" in str(caught.value) and "nothing was written" in str(caught.value)
    assert "villages.csv 第3行：代码 2103811 位数不对（应为12位）" in err.getvalue()
    assert "villages.csv line 3: code has 7 digits, expected 12" in err.getvalue()
    assert out.getvalue() == ""
    assert snapshot() == slice_loaded


# --- no run-time dependency on the shared data folder --------------------------------------


def test_loader_and_command_never_reference_the_shared_folder():
    from shegong.regions.management.commands import regions as command

    for module in (loader, command):
        source = Path(module.__file__).read_text(encoding="utf-8")
        assert "shared" not in source.lower(), module.__name__
        assert "/work/" not in source, module.__name__
