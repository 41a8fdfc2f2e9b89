"""Account services: nobody grants more than they hold; every change is audited."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from shegong.accounts import services
from shegong.accounts.models import RoleAssignment, User
from shegong.core.models import AuditEntry

pytestmark = pytest.mark.django_db


class TestGrant:
    def test_county_bureau_grants_roles_inside_its_county(self, people, regions):
        user, password = services.user_create(
            actor=people["county_bureau"], username="new_officer", name="新同事",
            role="township_officer", region=regions["township_b"],
        )
        assert user.check_password(password)
        assert user.role_assignments.get().region_id == regions["township_b"].code
        assert AuditEntry.objects.filter(action="user.create", object_id=str(user.pk)).exists()
        grant = AuditEntry.objects.get(action="role.grant", detail__user="new_officer")
        assert grant.actor == people["county_bureau"] and grant.region_code == regions["township_b"].code

    def test_county_bureau_cannot_grant_at_city_level(self, people, regions):
        with pytest.raises(PermissionDenied):
            services.role_grant(
                actor=people["county_bureau"], user=people["worker_a"], role="bureau", region=regions["city"]
            )
        assert AuditEntry.objects.filter(action="role.grant", result="denied").exists()
        assert not people["worker_a"].role_assignments.filter(role="bureau").exists()

    def test_bureau_cannot_create_an_administrator(self, people, regions):
        with pytest.raises(PermissionDenied):
            services.user_create(
                actor=people["province_bureau"], username="sneaky", name="x",
                role="admin", region=regions["county"],
            )
        assert not User.objects.filter(username="sneaky").exists()  # nothing half-written

    def test_township_officer_cannot_grant_anything(self, people, regions):
        with pytest.raises(PermissionDenied):
            services.role_grant(
                actor=people["officer_a"], user=people["worker_a"], role="worker", region=regions["township_a"]
            )

    def test_role_must_sit_at_its_level(self, people, regions):
        with pytest.raises(ValidationError) as err:
            services.role_grant(
                actor=people["county_bureau"], user=people["worker_a"], role="township_officer", region=regions["county"]
            )
        assert "region" in err.value.message_dict

    def test_operator_manager_needs_an_operator(self, people, regions):
        with pytest.raises(ValidationError) as err:
            services.role_grant(
                actor=people["county_bureau"], user=people["worker_a"], role="operator_manager", region=regions["county"]
            )
        assert "operator" in err.value.message_dict

    def test_same_grant_twice_is_refused(self, people, regions):
        with pytest.raises(ValidationError):
            services.role_grant(
                actor=people["county_bureau"], user=people["officer_a"], role="township_officer",
                region=regions["township_a"],
            )

    def test_weak_password_is_refused_and_nothing_written(self, people, regions):
        with pytest.raises(ValidationError):
            services.user_create(
                actor=people["county_bureau"], username="weakling", name="x", role="worker",
                region=regions["township_a"], password="123456",
            )
        assert not User.objects.filter(username="weakling").exists()


class TestRevokeAndDeactivate:
    def test_revoke_keeps_the_last_role(self, people):
        with pytest.raises(ValidationError):
            services.role_revoke(actor=people["county_bureau"], assignment=people["worker_a"].role_assignments.get())

    def test_revoke_a_second_role(self, people, regions):
        extra = services.role_grant(
            actor=people["county_bureau"], user=people["worker_a"], role="worker", region=regions["township_b"]
        )
        services.role_revoke(actor=people["county_bureau"], assignment=extra)
        assert not RoleAssignment.objects.filter(pk=extra.pk).exists()
        assert AuditEntry.objects.filter(action="role.revoke", detail__user="worker_a").exists()

    def test_cannot_deactivate_someone_outside(self, people):
        with pytest.raises(PermissionDenied):
            services.user_deactivate(actor=people["officer_a"], user=people["worker_a"])

    def test_cannot_deactivate_oneself(self, people):
        with pytest.raises(ValidationError):
            services.user_deactivate(actor=people["county_bureau"], user=people["county_bureau"])


class TestCreateuserCommand:
    def test_creates_a_user_with_a_generated_password(self, regions, capsys):
        call_command("createuser", "--role", "bureau", "--region", "210381", "--username", "hc_chief", "--name", "王主任")
        out = capsys.readouterr().out
        user = User.objects.get(username="hc_chief")
        password = out.split("initial password:")[1].strip()
        assert user.check_password(password)
        assert user.role_assignments.get().region_id == "210381"

    def test_unknown_region_is_a_clear_error(self, db):
        with pytest.raises(CommandError, match="210399"):
            call_command("createuser", "--role", "bureau", "--region", "210399", "--username", "x_user")

    def test_wrong_level_is_a_clear_error(self, regions):
        with pytest.raises(CommandError):
            call_command("createuser", "--role", "township_officer", "--region", "210381", "--username", "x_user")
        assert not User.objects.filter(username="x_user").exists()


class TestUserPages:
    def test_create_form_offers_only_grantable_roles_and_places(self, people, client_for):
        page = client_for(people["county_bureau"]).get("/accounts/users/new/")
        form = page.context["form"]
        roles = {value for value, _ in form.fields["role"].choices}
        assert "admin" not in roles and "bureau" in roles
        codes = set(form.fields["region"].queryset.values_list("code", flat=True))
        assert "210381" in codes and "2103" not in codes and all(c.startswith("210381") for c in codes)

    def test_township_officer_has_no_create_page(self, people, client_for):
        assert client_for(people["officer_a"]).get("/accounts/users/new/").status_code == 404

    def test_create_through_the_page_shows_the_password_once(self, people, regions, client_for):
        client = client_for(people["county_bureau"])
        response = client.post(
            "/accounts/users/new/",
            {"username": "page_user", "name": "页面新建", "role": "worker", "region": regions["township_a"].code, "operator": ""},
        )
        assert response.status_code == 200
        password = response.context["password"]
        assert User.objects.get(username="page_user").check_password(password)

    def test_create_with_bad_input_explains_and_writes_nothing(self, people, regions, client_for):
        client = client_for(people["county_bureau"])
        response = client.post(
            "/accounts/users/new/",
            {"username": "x", "name": "", "role": "township_officer", "region": regions["county"].code},
        )
        assert response.status_code == 200
        assert response.context["form"].errors
        assert not User.objects.filter(username="x").exists()
