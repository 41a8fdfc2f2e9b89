"""The audit log: one-line writes that land with their change, and no path to alter them."""

import pytest
from django.db import DatabaseError, connection, transaction

from shegong.core import audit
from shegong.core.models import AuditAppendOnly, AuditEntry

pytestmark = pytest.mark.django_db


def test_record_takes_region_from_the_object(people, regions):
    entry = audit.record("user.update", obj=people["worker_a"], actor=people["county_bureau"], detail={"x": 1})
    assert entry.region_code == regions["township_a"].code
    assert entry.actor_name == "county_bureau" and entry.object_repr == "worker_a"
    assert entry.object_type == "accounts.user" and entry.detail == {"x": 1}


def test_user_in_two_townships_is_audited_at_their_county(people, regions, make_user):
    from shegong.accounts.models import RoleAssignment

    RoleAssignment.objects.create(user=people["worker_a"], role="worker", region=regions["township_b"])
    assert audit.record("x.y", obj=people["worker_a"]).region_code == regions["county"].code


def test_audit_row_is_rolled_back_with_its_change(people):
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            audit.record("test.rollback")
            raise RuntimeError
    assert not AuditEntry.objects.filter(action="test.rollback").exists()


class TestAppendOnly:
    def test_the_model_refuses_change_and_delete(self, db):
        entry = audit.record("test.event", object_repr="original")
        entry.object_repr = "forged"
        with pytest.raises(AuditAppendOnly):
            entry.save()
        with pytest.raises(AuditAppendOnly):
            entry.delete()
        with pytest.raises(AuditAppendOnly):
            AuditEntry.objects.filter(pk=entry.pk).update(object_repr="forged")
        with pytest.raises(AuditAppendOnly):
            AuditEntry.objects.filter(pk=entry.pk).delete()
        assert AuditEntry.objects.get(pk=entry.pk).object_repr == "original"

    def test_the_database_refuses_an_update(self, db):
        entry = audit.record("test.event", object_repr="original")
        with pytest.raises(DatabaseError):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("UPDATE core_auditentry SET object_repr = 'forged' WHERE id = %s", [entry.pk])
        assert AuditEntry.objects.get(pk=entry.pk).object_repr == "original"

    @pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite test databases are emptied with DELETE")
    def test_postgresql_refuses_a_delete(self, db):
        entry = audit.record("test.event")
        with pytest.raises(DatabaseError):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("DELETE FROM core_auditentry WHERE id = %s", [entry.pk])
        assert AuditEntry.objects.filter(pk=entry.pk).exists()

    def test_no_page_or_endpoint_changes_an_audit_row(self, people, client_for):
        entry = audit.record("test.event", region_code="210381", object_repr="original")
        client = client_for(people["county_bureau"])
        assert client.post(f"/audit/{entry.pk}/").status_code in (200, 405)
        for method in ("put", "patch", "delete"):
            response = getattr(client, method)(f"/api/v1/audit/{entry.pk}/", {"object_repr": "x"}, content_type="application/json")
            assert response.status_code == 405
        assert client.post("/api/v1/audit/", {"action": "x"}, content_type="application/json").status_code == 405
        assert AuditEntry.objects.get(pk=entry.pk).object_repr == "original"


def test_export_is_audited(people, client_for):
    client = client_for(people["county_bureau"])
    response = client.get("/audit/?format=xlsx&result=success")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    row = AuditEntry.objects.get(action="audit.export")
    assert row.actor == people["county_bureau"] and row.detail["filters"] == {"result": "success"}


def test_audit_page_filters(people, client_for):
    audit.record("test.alpha", region_code="210381", object_repr="ALPHA-ROW")
    audit.record("test.beta", region_code="210381", object_repr="BETA-ROW", result=audit.Result.FAILURE)
    client = client_for(people["county_bureau"])
    page = client.get("/audit/?result=failure")
    assert b"BETA-ROW" in page.content and b"ALPHA-ROW" not in page.content
    page = client.get("/audit/?q=ALPHA")
    assert b"ALPHA-ROW" in page.content and b"BETA-ROW" not in page.content
