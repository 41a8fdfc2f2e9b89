"""The Excel export of the recipient list: masked by default, full values only for the roles and
places ``services.may_export_full`` allows, every export and every refusal in the audit log.

Given recipients in township A (two villages) and B,
when a worker, a station lead, a township officer and a county bureau official export,
then every workbook holds only the filtered rows of the user's jurisdiction, a masked workbook
holds no full ID or phone number in any cell, and a forged full export is refused and audited.
"""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from shegong.core.models import AuditEntry

from .test_registry_pages import B_ID, CHILD_ID, LI_ID, ZHANG_ID, build_registry

pytestmark = pytest.mark.django_db

FULL_VALUES = (ZHANG_ID, LI_ID, CHILD_ID, B_ID, "13812345678", "13900001111")


@pytest.fixture
def reg(regions, people):
    return build_registry(regions)


def cells(response) -> list[list]:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    return [[("" if v is None else str(v)) for v in row] for ws in workbook.worksheets for row in ws.iter_rows(values_only=True)]


def column(rows, header) -> list[str]:
    index = rows[0].index(header)
    return [row[index] for row in rows[1:]]


class TestMasked:
    def test_masked_export_never_holds_a_full_number_in_any_cell(self, reg, people, client_for):
        for who in ("worker_a", "officer_a", "station_lead", "county_bureau", "supervisor"):
            rows = cells(client_for(people[who]).get("/recipients/?format=xlsx&status=all"))
            for row in rows:
                for value in row:
                    assert not any(full in value for full in FULL_VALUES), (who, value)
            assert reg["zhang"].id_masked in column(rows, "身份证号")
            assert "138****5678" in column(rows, "联系电话") and "139****1111" in column(rows, "监护人电话")

    def test_export_holds_the_filtered_rows_of_the_jurisdiction_with_chinese_headers(self, reg, people, client_for):
        rows = cells(client_for(people["officer_a"]).get("/recipients/?format=xlsx"))
        assert rows[0][:6] == ["姓名", "性别", "出生日期", "年龄", "身份证号", "联系电话"]
        assert sorted(column(rows, "姓名")) == sorted(["张三", "李四", "王小明"])  # active, unmerged, township A
        village_rows = cells(client_for(people["officer_a"]).get(f"/recipients/?format=xlsx&status=all&village={reg['v2'].code}"))
        assert sorted(column(village_rows, "姓名")) == sorted(["李四", "赵六"])
        dibao = cells(client_for(people["officer_a"]).get("/recipients/?format=xlsx&category=dibao"))
        assert column(dibao, "姓名") == ["张三"] and "低保" in column(dibao, "救助类别")[0]
        county = cells(client_for(people["county_bureau"]).get("/recipients/?format=xlsx"))
        assert "乙某某" in column(county, "姓名")

    def test_every_export_is_audited_with_count_mode_and_filters(self, reg, people, client_for):
        client_for(people["officer_a"]).get(f"/recipients/?format=xlsx&village={reg['v1'].code}&q=zs")
        entry = AuditEntry.objects.get(action="recipient.export")
        assert entry.result == "success" and entry.actor == people["officer_a"]
        assert entry.detail == {"rows": 1, "full": False, "file": "服务对象", "filters": {"village": reg["v1"].code, "q": "zs"}}
        assert entry.region_code == reg["v1"].code


class TestFull:
    def test_station_lead_exports_full_values_of_the_township_audited(self, reg, people, client_for):
        client = client_for(people["station_lead"])
        assert "full=1" in client.get("/recipients/").content.decode()
        rows = cells(client.get("/recipients/?format=xlsx&full=1"))
        assert set(column(rows, "身份证号")) == {ZHANG_ID, LI_ID, CHILD_ID}
        assert "13812345678" in column(rows, "联系电话") and "13900001111" in column(rows, "监护人电话")
        entry = AuditEntry.objects.get(action="recipient.export")
        assert entry.detail["full"] is True and entry.detail["rows"] == 3 and entry.region_code == reg["v1"].code[:9]

    def test_township_officer_exports_full_values_of_a_village(self, reg, people, client_for):
        rows = cells(client_for(people["officer_a"]).get(f"/recipients/?format=xlsx&full=1&village={reg['v1'].code}"))
        assert set(column(rows, "身份证号")) == {ZHANG_ID, CHILD_ID}

    @pytest.mark.parametrize("who", ["county_bureau", "worker_a", "supervisor"])
    def test_a_forged_full_export_is_refused_and_audited(self, who, reg, people, client_for):
        client = client_for(people[who])
        assert "full=1" not in client.get("/recipients/").content.decode()
        response = client.get("/recipients/?format=xlsx&full=1")
        assert response.status_code == 403 and not response["Content-Type"].startswith("application/vnd")
        assert not any(full in response.content.decode() for full in FULL_VALUES)
        entry = AuditEntry.objects.get(action="recipient.export")
        assert entry.result == "denied" and entry.actor == people[who] and entry.detail["full"] is True

    def test_full_export_must_hold_for_the_whole_filter(self, reg, people, client_for, make_user, regions):
        lead = make_user("station_lead", regions["township_a"], username="lead_and_worker")
        from shegong.accounts.models import RoleAssignment

        RoleAssignment.objects.create(user=lead, role="worker", region=regions["township_b"])
        client = client_for(lead)
        assert client.get("/recipients/?format=xlsx&full=1").status_code == 403  # township B is in the list too
        rows = cells(client.get(f"/recipients/?format=xlsx&full=1&township={regions['township_a'].code}"))
        assert ZHANG_ID in column(rows, "身份证号") and B_ID not in column(rows, "身份证号")
        assert client.get(f"/recipients/?format=xlsx&full=1&township={regions['township_b'].code}").status_code == 403
