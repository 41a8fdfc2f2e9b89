"""Session lifetime, per-user language, and the second-factor gate."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .signals import SESSION_AUTH_AT

SESSION_RENEWED_AT = "shegong_renewed_at"


class SessionLifetimeMiddleware:
    """End a session 12 hours (configurable) after login, however active it has been.

    The idle limit is Django's own (the session lives SESSION_COOKIE_AGE from its last save). Activity
    renews it, but at most once a minute (``SHEGONG_SESSION_RENEW_SECONDS``): saving the session on
    every request, as ``SESSION_SAVE_EVERY_REQUEST`` does, costs a database write per page view,
    which under load is the one write every reader waits for. The idle limit is kept to within that
    minute.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            auth_at = request.session.get(SESSION_AUTH_AT)
            now = int(timezone.now().timestamp())
            if auth_at is None or now - auth_at > settings.SHEGONG_SESSION_ABSOLUTE_SECONDS:
                logout(request)
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {"type": "about:blank", "title": _("Session expired"), "status": 401},
                        status=401,
                        content_type="application/problem+json",
                    )
                messages.info(request, _("Your session has ended. Please sign in again."))
                return redirect(f"{reverse(settings.LOGIN_URL)}?next={request.path}")
            if now - request.session.get(SESSION_RENEWED_AT, auth_at) >= settings.SHEGONG_SESSION_RENEW_SECONDS:
                request.session[SESSION_RENEWED_AT] = now  # marks the session modified: saved, expiry pushed back
        return self.get_response(request)


class UserLanguageMiddleware:
    """Speak the language the signed-in user chose; Simplified Chinese otherwise."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            language = user.language
        else:
            language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) or settings.LANGUAGE_CODE
            if language not in dict(settings.LANGUAGES):
                language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


# Paths a signed-in user who still owes a second factor may reach.
_SECOND_FACTOR_OPEN = ("/accounts/otp/", "/accounts/logout/", "/static/", "/i18n/")


def second_factor_required(user) -> bool:
    """Whether this user must pass a TOTP check before using the system: its role demands it
    (bureau, administrator), or the user chose to set up an authenticator."""
    from django_otp import user_has_device

    if user_has_device(user, confirmed=True):
        return True
    if settings.SHEGONG_RELAX_SECOND_FACTOR:
        return False
    return user.requires_second_factor


class SecondFactorMiddleware:
    """Hold bureau and administrator users at the second-factor step until they pass it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(_SECOND_FACTOR_OPEN)
            and not user.is_verified()
            and second_factor_required(user)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {
                        "type": "about:blank",
                        "title": _("Second factor required"),
                        "status": 403,
                        "detail": _("Sign in with your authenticator code first."),
                    },
                    status=403,
                    content_type="application/problem+json",
                )
            return redirect(f"{reverse('accounts:otp_verify')}?next={request.path}")
        return self.get_response(request)
