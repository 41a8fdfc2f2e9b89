"""Background work of accounts, run by the task queue (database-backed or Redis)."""

from django.conf import settings
from django.contrib.sessions.models import Session
from django.tasks import task
from django.utils.module_loading import import_string

from .models import UserSession

_DB_ENGINES = ("django.contrib.sessions.backends.db", "django.contrib.sessions.backends.cached_db")


@task()
def sessions_purge() -> dict:
    """Remove expired sessions and the live-session rows whose session is gone.

    Database sessions expire by date but stay in the table until removed; run this daily
    (``shegong purge_sessions --enqueue`` from cron, or without ``--enqueue`` to run it now).
    """
    store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
    before = Session.objects.count() if settings.SESSION_ENGINE in _DB_ENGINES else 0
    store.clear_expired()
    removed = before - Session.objects.count() if settings.SESSION_ENGINE in _DB_ENGINES else 0
    if settings.SESSION_ENGINE in _DB_ENGINES:
        stale = UserSession.objects.exclude(session_key__in=Session.objects.values("session_key"))
    else:
        gone = [s.pk for s in UserSession.objects.only("session_key") if not store().exists(s.session_key)]
        stale = UserSession.objects.filter(pk__in=gone)
    live, _ = stale.delete()
    return {"sessions": removed, "live_sessions": live}
