"""The platform: footprints from the environment, language, local assets, deploy checks, tasks."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[3]


def settings_under(env: dict) -> dict:
    """Import the settings in a fresh interpreter with ``env`` and report what they chose."""
    code = (
        "import json, django; from django.conf import settings; django.setup();"
        "print(json.dumps({'db': settings.DATABASES['default']['ENGINE'],"
        " 'cache': settings.CACHES['default']['BACKEND'], 'sessions': settings.SESSION_ENGINE,"
        " 'tasks': settings.TASKS['default']['BACKEND'], 'media': str(settings.MEDIA_ROOT),"
        " 'lang': settings.LANGUAGE_CODE, 'tz': settings.TIME_ZONE}))"
    )
    clean = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "DJANGO_SETTINGS_MODULE": "shegong.settings", **env},
        cwd=ROOT, capture_output=True, text=True, check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_nothing_set_means_sqlite_database_queue_and_local_media(tmp_path):
    chosen = settings_under({"SHEGONG_VAR_DIR": str(tmp_path)})
    assert chosen["db"] == "django.db.backends.sqlite3"
    assert chosen["tasks"] == "django_tasks_db.DatabaseBackend"
    assert chosen["sessions"] == "django.contrib.sessions.backends.db"
    assert chosen["media"] == str(tmp_path / "media")
    assert chosen["lang"] == "zh-hans" and chosen["tz"] == "Asia/Shanghai"


def test_urls_switch_to_postgresql_and_redis(tmp_path):
    chosen = settings_under(
        {
            "SHEGONG_VAR_DIR": str(tmp_path),
            "DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/shegong",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
        }
    )
    assert chosen["db"] == "django.db.backends.postgresql"
    assert chosen["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert chosen["sessions"] == "django.contrib.sessions.backends.cached_db"
    assert chosen["tasks"] == "django_tasks_rq.RQBackend"


@pytest.mark.django_db
def test_user_chooses_english_and_the_interface_follows(people, client_for):
    from shegong.accounts import services

    client = client_for(people["worker_a"])
    zh = client.get("/accounts/profile/")
    assert zh["Content-Language"] == "zh-hans"
    assert '<html lang="zh-CN">' in zh.content.decode()
    services.user_set_language(user=people["worker_a"], language="en")
    en = client.get("/accounts/profile/")
    assert en["Content-Language"] == "en" and '<html lang="en">' in en.content.decode()
    assert "My account" in en.content.decode()


@pytest.mark.django_db
def test_pages_load_no_asset_from_another_host(people, client_for):
    html = client_for(people["county_bureau"]).get("/").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(not s.startswith(("http:", "https:", "//")) for s in sources), sources
    assert any("htmx" in s for s in sources)


@pytest.mark.django_db
def test_personal_pages_are_not_cached_and_carry_a_csp(people, client_for):
    response = client_for(people["county_bureau"]).get("/accounts/users/")
    assert response["Cache-Control"] == "no-store"
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_deploy_check_is_clean_on_production_settings(settings, db):
    settings.DEBUG = False
    settings.SECRET_KEY = "x" * 20 + "production-only-secret-key-value-0123456789"
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True  # what SHEGONG_HSTS_SECONDS turns on
    settings.SHEGONG_RELAX_SECOND_FACTOR = False
    settings.SHEGONG_DATA_KEYS = "k1:" + "A" * 43 + "="
    settings.SHEGONG_INDEX_KEYS = "i1:" + "B" * 43 + "="
    call_command("check", "--deploy", "--fail-level", "WARNING")


def test_deploy_check_refuses_field_keys_derived_from_the_secret_key(settings, db):
    from django.core.management.base import SystemCheckError

    settings.SHEGONG_DATA_KEYS = settings.SHEGONG_INDEX_KEYS = ""
    with pytest.raises(SystemCheckError, match="shegong.E002"):
        call_command("check", "--deploy", "--tag", "security")


@pytest.mark.django_db(transaction=True)  # the worker commits and closes its connection
def test_session_purge_runs_through_the_database_queue(people, settings):
    import datetime as dt

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from shegong.accounts.models import UserSession

    Session.objects.create(session_key="x" * 32, session_data="", expire_date=timezone.now() - dt.timedelta(days=1))
    UserSession.objects.create(user=people["worker_a"], session_key="x" * 32)
    call_command("purge_sessions", "--enqueue")
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.filter(status="READY").count() == 1
    call_command("db_worker", "--batch", "--no-startup-delay")
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert not Session.objects.filter(session_key="x" * 32).exists()
    assert not UserSession.objects.exists()


@pytest.mark.django_db
def test_models_and_migrations_agree():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def _redis_reachable() -> bool:
    import socket

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(
    not _redis_reachable() and not os.environ.get("CI"), reason="no Redis on 127.0.0.1:6379 (CI always has one)"
)
def test_redis_footprint_queues_and_runs_tasks(tmp_path):
    """With REDIS_URL set, a task goes through Redis and `shegong worker` runs it."""
    env = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        "REDIS_URL": "redis://127.0.0.1:6379/14",
        "SHEGONG_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "shegong.settings",
    }
    shegong = [sys.executable, "-m", "shegong.cli"]

    def run(*args):
        return subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, check=True).stdout

    run(*shegong, "migrate", "-v0")
    enqueue = (
        "import django, datetime as dt; django.setup();"
        "from django.contrib.sessions.models import Session; from django.utils import timezone;"
        "Session.objects.create(session_key='r'*32, session_data='', expire_date=timezone.now()-dt.timedelta(days=1));"
        "from shegong.accounts.tasks import sessions_purge; print(sessions_purge.enqueue().id)"
    )
    task_id = run(sys.executable, "-c", enqueue).strip().splitlines()[-1]
    run(*shegong, "worker", "--burst")
    check = (
        "import django; django.setup(); from django.contrib.sessions.models import Session;"
        f"from shegong.accounts.tasks import sessions_purge; r = sessions_purge.get_result({task_id!r});"
        "print(r.status, r.return_value['sessions'], Session.objects.count())"
    )
    assert run(sys.executable, "-c", check).split()[-3:] == ["SUCCESSFUL", "1", "0"]
