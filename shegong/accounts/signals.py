"""Audit every login, failed login, logout and lockout; track live sessions."""

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.utils import timezone

from shegong.core import audit
from shegong.core.context import client_ip

from .models import UserSession

SESSION_AUTH_AT = "shegong_auth_at"


@receiver(user_logged_in)
def on_login(sender, request, user, **kwargs):
    if request is None:
        return
    request.session[SESSION_AUTH_AT] = int(timezone.now().timestamp())
    if not request.session.session_key:
        request.session.save()
    UserSession.objects.update_or_create(
        session_key=request.session.session_key,
        defaults={
            "user": user,
            "ip": client_ip(request),
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300],
        },
    )
    audit.record("auth.login", obj=user, actor=user, ip=client_ip(request))


@receiver(user_logged_out)
def on_logout(sender, request, user, **kwargs):
    if request is not None and request.session.session_key:
        UserSession.objects.filter(session_key=request.session.session_key).delete()
    if user is not None:
        audit.record("auth.logout", obj=user, actor=user, ip=client_ip(request) if request else None)


def _known_user(credentials):
    username = (credentials or {}).get("username")
    if not username:
        return None, ""
    return get_user_model().objects.filter(username=username).first(), username


@receiver(user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    user, username = _known_user(credentials)
    audit.record(
        "auth.login_failed",
        obj=user,
        actor=None,
        result=audit.Result.FAILURE,
        ip=client_ip(request) if request is not None else None,
        object_repr=username if user is None else None,
        detail={"username": username},
    )


@receiver(user_locked_out)
def on_locked_out(sender, request, username=None, ip_address=None, **kwargs):
    user, _ = _known_user({"username": username})
    audit.record(
        "auth.lockout",
        obj=user,
        actor=None,
        result=audit.Result.DENIED,
        ip=ip_address,
        object_repr=username if user is None else None,
        detail={"username": username or ""},
    )
