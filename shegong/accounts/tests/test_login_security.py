"""Login security: Argon2, password rules, lockout, second factor, session lifetimes."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import password_validation
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from shegong.accounts import services
from shegong.accounts.models import UserSession
from shegong.core.models import AuditEntry

pytestmark = pytest.mark.django_db
PASSWORD = "Haicheng-station-2026"


def sign_in(client, username, password=PASSWORD, ip="10.0.0.1"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def current_code(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


class TestPasswords:
    def test_passwords_are_hashed_with_argon2(self, make_user, regions):
        user = make_user("worker", regions["township_a"], password=PASSWORD)
        assert user.password.startswith("argon2$")

    @pytest.mark.parametrize("weak", ["short-pass1", "password1234", "123456789012345"])
    def test_short_common_and_numeric_passwords_are_refused(self, weak):
        with pytest.raises(ValidationError):
            password_validation.validate_password(weak)

    def test_generated_passwords_pass_the_rules(self):
        password_validation.validate_password(services.generate_password())


class TestLockout:
    def test_five_failures_lock_the_user_at_that_address_for_fifteen_minutes(self, make_user, regions):
        user = make_user("worker", regions["township_a"], password=PASSWORD, username="locked_worker")
        client = Client()
        for _ in range(4):
            assert sign_in(client, "locked_worker", "wrong-password-x").status_code == 200
        # The fifth failure locks.
        assert sign_in(client, "locked_worker", "wrong-password-x").status_code == 429
        # Now even the right password is refused from this address.
        response = sign_in(client, "locked_worker")
        assert response.status_code == 429
        assert "_auth_user_id" not in client.session
        # Another address is not locked (lockout is per user and address).
        assert sign_in(Client(), "locked_worker", ip="10.0.0.2").status_code == 302
        # After 15 minutes the first address may try again.
        with time_machine.travel(timezone.now() + dt.timedelta(minutes=16)):
            assert sign_in(Client(), "locked_worker").status_code == 302
        actions = list(AuditEntry.objects.filter(object_id=str(user.pk)).values_list("action", "result"))
        assert actions.count(("auth.login_failed", "failure")) >= 5
        assert ("auth.lockout", "denied") in actions

    def test_bureau_lifts_a_lockout(self, people, client_for):
        worker = people["worker_a"]
        worker.set_password(PASSWORD)
        worker.save()
        for _ in range(5):
            sign_in(Client(), "worker_a", "wrong-password-x")
        assert sign_in(Client(), "worker_a").status_code == 429
        bureau = client_for(people["county_bureau"])
        page = bureau.get(f"/accounts/users/{worker.pk}/")
        assert page.context["locked_from"] == ["10.0.0.1"]
        assert client_for(people["officer_a"]).post(f"/accounts/users/{worker.pk}/unlock/").status_code == 404
        bureau.post(f"/accounts/users/{worker.pk}/unlock/")
        assert sign_in(Client(), "worker_a").status_code == 302
        assert AuditEntry.objects.filter(action="auth.unlock", object_id=str(worker.pk)).exists()

    def test_failed_login_of_unknown_user_is_audited(self, db):
        sign_in(Client(), "nobody-here", "whatever-password")
        entry = AuditEntry.objects.get(action="auth.login_failed")
        assert entry.detail["username"] == "nobody-here" and entry.ip == "10.0.0.1"


class TestSecondFactor:
    def test_bureau_user_is_held_until_enrolled_and_verified(self, make_user, regions):
        make_user("bureau", regions["county"], password=PASSWORD, username="county_official")
        client = Client()
        response = sign_in(client, "county_official")
        assert response.status_code == 302
        home = client.get("/")
        assert home.status_code == 302 and "/accounts/otp/verify/" in home["Location"]
        assert client.get("/accounts/users/").status_code == 302
        api = client.get("/api/v1/users/")
        assert api.status_code == 403 and api["Content-Type"] == "application/problem+json"
        # Enrol: the page creates an unconfirmed device; a right code confirms it.
        enrol = client.get("/accounts/otp/verify/", follow=True)
        assert enrol.redirect_chain[-1][0].startswith("/accounts/otp/enrol/")
        device = TOTPDevice.objects.get(user__username="county_official", confirmed=False)
        assert client.post("/accounts/otp/enrol/", {"token": "000000"}).status_code == 200
        with time_machine.travel(timezone.now() + dt.timedelta(seconds=5)):  # past the throttle
            client.post("/accounts/otp/enrol/", {"token": current_code(device)})
        assert client.get("/").status_code == 200
        assert AuditEntry.objects.filter(action="auth.second_factor_enrol").exists()

    def test_enrolled_bureau_user_must_give_a_code_at_each_login(self, make_user, regions):
        user = make_user("bureau", regions["county"], password=PASSWORD, username="county_official")
        device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
        client = Client()
        sign_in(client, "county_official")
        assert client.get("/")["Location"].startswith("/accounts/otp/verify/")
        wrong = client.post("/accounts/otp/verify/", {"token": "123456"})
        assert wrong.status_code == 200 and client.get("/").status_code == 302
        with time_machine.travel(timezone.now() + dt.timedelta(seconds=5)):  # past the throttle
            client.post("/accounts/otp/verify/", {"token": current_code(device)})
            assert client.get("/").status_code == 200

    def test_social_worker_needs_no_second_factor(self, make_user, regions):
        make_user("worker", regions["township_a"], password=PASSWORD, username="field_worker")
        client = Client()
        sign_in(client, "field_worker")
        assert client.get("/").status_code == 200

    def test_worker_who_chose_a_second_factor_is_asked_for_it(self, make_user, regions):
        user = make_user("worker", regions["township_a"], password=PASSWORD, username="careful_worker")
        TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
        client = Client()
        sign_in(client, "careful_worker")
        assert client.get("/")["Location"].startswith("/accounts/otp/verify/")

    def test_demo_relaxation_lets_bureau_in_and_fails_the_deploy_check(self, make_user, regions, settings):
        from django.core.management import call_command
        from django.core.management.base import SystemCheckError

        settings.SHEGONG_RELAX_SECOND_FACTOR = True
        make_user("bureau", regions["county"], password=PASSWORD, username="county_official")
        client = Client()
        sign_in(client, "county_official")
        assert client.get("/").status_code == 200
        with pytest.raises(SystemCheckError, match="shegong.E001"):
            call_command("check", "--deploy", "--fail-level", "ERROR")


class TestSessions:
    def test_session_key_rotates_at_login_and_dies_at_logout(self, make_user, regions):
        make_user("worker", regions["township_a"], password=PASSWORD, username="field_worker")
        client = Client()
        client.get("/accounts/login/")
        client.session.save()
        before = client.session.session_key
        sign_in(client, "field_worker")
        after = client.session.session_key
        assert after != before
        assert UserSession.objects.filter(session_key=after).exists()
        client.post("/accounts/logout/")
        assert not Session.objects.filter(session_key=after).exists()
        assert client.get("/").status_code == 302

    def test_idle_timeout_after_thirty_minutes(self, make_user, regions):
        make_user("worker", regions["township_a"], password=PASSWORD, username="field_worker")
        client = Client()
        sign_in(client, "field_worker")
        with time_machine.travel(timezone.now() + dt.timedelta(minutes=29)):
            assert client.get("/").status_code == 200  # activity renews the session
        with time_machine.travel(timezone.now() + dt.timedelta(minutes=29 + 31)):
            assert client.get("/").status_code == 302

    def test_activity_renews_the_session_at_most_once_a_minute(self, make_user, regions):
        make_user("worker", regions["township_a"], password=PASSWORD, username="field_worker")
        client = Client()
        start = timezone.now()
        with time_machine.travel(start, tick=False):
            sign_in(client, "field_worker")
        key = client.cookies["sessionid"].value
        expiry = Session.objects.get(session_key=key).expire_date
        with time_machine.travel(start + dt.timedelta(seconds=30), tick=False):
            with CaptureQueriesContext(connection) as ctx:
                assert client.get("/").status_code == 200
        assert not [q for q in ctx.captured_queries if "django_session" in q["sql"] and not q["sql"].startswith("SELECT")]
        assert Session.objects.get(session_key=key).expire_date == expiry
        with time_machine.travel(start + dt.timedelta(seconds=90), tick=False):
            assert client.get("/").status_code == 200
        assert Session.objects.get(session_key=key).expire_date == expiry + dt.timedelta(seconds=90)

    def test_absolute_lifetime_of_twelve_hours_despite_activity(self, make_user, regions):
        make_user("worker", regions["township_a"], password=PASSWORD, username="field_worker")
        client = Client()
        start = timezone.now()
        with time_machine.travel(start, tick=False):
            sign_in(client, "field_worker")
        # Active every 20 minutes for 11h40: still signed in.
        for minutes in range(20, 12 * 60, 20):
            with time_machine.travel(start + dt.timedelta(minutes=minutes), tick=False):
                assert client.get("/").status_code == 200, minutes
        with time_machine.travel(start + dt.timedelta(hours=12, minutes=5), tick=False):
            assert client.get("/").status_code == 302

    def test_deactivation_ends_every_session(self, people, make_user, regions, client_for):
        make_user("worker", regions["township_a"], password=PASSWORD, username="field_worker")
        phone, desktop = Client(), Client()
        sign_in(phone, "field_worker")
        sign_in(desktop, "field_worker", ip="10.0.0.9")
        assert phone.get("/").status_code == 200 and desktop.get("/").status_code == 200
        bureau = client_for(people["county_bureau"])
        target = people["county_bureau"].__class__.objects.get(username="field_worker")
        assert bureau.post(f"/accounts/users/{target.pk}/active/", {"active": "0"}).status_code == 302
        assert phone.get("/").status_code == 302 and desktop.get("/").status_code == 302
        assert not UserSession.objects.filter(user=target).exists()
        assert sign_in(Client(), "field_worker").status_code == 200  # refused: form shown again
