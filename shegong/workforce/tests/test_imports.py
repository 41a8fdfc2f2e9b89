"""Importing workers from .xlsx: every row checked first, errors by row, all or nothing."""

import io

import pytest
from openpyxl import Workbook

from shegong.core.models import AuditEntry
from shegong.workforce.models import SocialWorker

pytestmark = pytest.mark.django_db

HEADER = ["姓名", "性别", "出生日期", "学历", "专业", "证书等级", "证书编号", "取证日期", "入职日期", "所在社工站", "月工资", "联系电话"]


def workbook(*rows, header=HEADER) -> bytes:
    wb = Workbook()
    ws = wb.active
    if header:
        ws.append(header)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def good(name="李华", station="甲镇社工站"):
    return [name, "女", "1993-04-05", "本科", "社会工作", "助理社会工作师", "ZL2023001", "2023-06-01", "2022-09-01", station, 4800, "13800000001"]


def upload(client, content, name="workers.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post("/workforce/workers/import/", {"file": SimpleUploadedFile(name, content)})


class TestImport:
    def test_good_rows_preview_then_all_are_written_on_confirm(self, people, station_a, client_for):
        # given a sheet of two good workers
        client = client_for(people["operator_manager"])
        content = workbook(good("李华"), [*good("王芳")[:5], "", "", None, "2024-01-02", "甲镇社工站", "", ""])
        # when uploaded, then a preview shows them and nothing is written yet
        preview = upload(client, content).content.decode()
        assert "李华" in preview and "王芳" in preview and not SocialWorker.objects.exists()
        # when confirmed, then both are written with their assignment and audited
        assert client.post("/workforce/workers/import/", {"confirm": "1"}).status_code == 302
        li = SocialWorker.objects.get(name="李华")
        assert li.certificate_level == "assistant" and li.is_social_work_major and li.assignments.get().station == station_a
        assert SocialWorker.objects.get(name="王芳").certificate_level == "none"
        assert AuditEntry.objects.filter(action="workforce.worker_create").count() == 2
        assert AuditEntry.objects.filter(action="workforce.worker_import").count() == 1

    def test_one_bad_row_shows_chinese_errors_by_row_and_writes_nothing(self, people, station_a, client_for):
        client = client_for(people["operator_manager"])
        bad = ["", "未知", "1993-13-45", "小学", "", "", "", "", "2022-09-01", "不存在的站", "abc", ""]
        page = upload(client, workbook(good(), bad)).content.decode()
        for message in ("姓名不能为空", "性别“未知”无效", "出生日期“1993-13-45”不是有效日期", "学历“小学”无效",
                        "找不到社工站“不存在的站”", "月工资“abc”不是有效金额"):
            assert message in page, message
        assert '<td data-label="' in page and ">3</td>" in page  # the sheet row number
        assert not SocialWorker.objects.exists()
        # and a confirm without a clean preview writes nothing either
        client.post("/workforce/workers/import/", {"confirm": "1"})
        assert not SocialWorker.objects.exists()

    def test_station_outside_the_jurisdiction_is_a_row_error(self, people, station_b, regions, other_operator):
        from shegong.workforce import imports

        from .factories import make_station

        make_station(regions["township_a"], other_operator, name="他机构站")
        result = imports.validate(actor=people["operator_manager"], content=workbook(good(station="他机构站")))
        assert [e.row for e in result.errors] == [2] and "他机构站" in result.errors[0].message

    def test_commit_is_all_or_nothing(self, people, station_a):
        from django.core.exceptions import ValidationError

        from shegong.workforce import imports

        content = workbook(good("甲"), good("乙"), [*good("丙")[:2], "bad"] + good()[3:])
        with pytest.raises(ValidationError) as caught:
            imports.commit(actor=people["operator_manager"], content=content)
        assert "第 4 行" in caught.value.messages[0]
        assert not SocialWorker.objects.exists()

    @pytest.mark.parametrize(
        "content, message",
        [
            (b"name,sex\nx,y\n", "not an Excel .xlsx file"),
            (b"", "The file is empty."),
            (None, "no workers"),
        ],
    )
    def test_wrong_type_and_empty_files_are_clear_errors(self, content, message, people, station_a, client_for):
        from django.utils import translation

        from shegong.workforce import imports

        content = workbook() if content is None else content
        with translation.override("en"), pytest.raises(imports.ImportFileError) as caught:
            imports.validate(actor=people["operator_manager"], content=content)
        assert message in str(caught.value)
        page = upload(client_for(people["operator_manager"]), content, name="workers.csv")
        assert page.status_code == 200 and 'class="error"' in page.content.decode()

    def test_missing_required_columns(self, people, station_a):
        from django.utils import translation

        from shegong.workforce import imports

        with translation.override("en"), pytest.raises(imports.ImportFileError) as caught:
            imports.validate(actor=people["operator_manager"], content=workbook(["张三"], header=["姓名"]))
        assert "性别" in str(caught.value) and "所在社工站" in str(caught.value)

    def test_a_township_officer_cannot_import(self, people, client_for):
        assert client_for(people["officer_a"]).get("/workforce/workers/import/").status_code == 404
