"""Sign-in, second factor, the user's own account, and user management."""

import base64

import segno
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken

from shegong.core import audit
from shegong.core.exports import xlsx_response
from shegong.core.flow import attach_errors, flash_refusal, post_and_flash
from shegong.core.lists import filters_of, page_of

from . import selectors, services
from .forms import (
    AssignmentForm,
    LanguageForm,
    LoginForm,
    PasswordChangeForm,
    TokenForm,
    UserCreateForm,
    UserEditForm,
)
from .middleware import second_factor_required
from .models import RoleAssignment, User


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


def lockout(request, credentials=None, *args, **kwargs):
    """What a locked-out address sees (django-axes calls this)."""
    return render(request, "accounts/locked.html", status=429)


def _safe_next(request, default="core:home"):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


@login_required
def otp_verify(request):
    """Ask for the authenticator code; send users without an authenticator to enrol one."""
    if request.user.is_verified():
        return redirect(_safe_next(request))
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    if device is None:
        return redirect(f"/accounts/otp/enrol/?next={_safe_next(request, '/')}")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, _info = device.verify_is_allowed()
        if allowed and device.verify_token(form.cleaned_data["token"]):
            otp_login(request, device)
            audit.record("auth.second_factor", obj=request.user)
            return redirect(_safe_next(request))
        audit.record("auth.second_factor", obj=request.user, result=audit.Result.FAILURE)
        form.add_error(
            "token",
            _("The code is not correct or has expired. Too many wrong codes slow down further tries.")
            if allowed
            else _("Too many wrong codes. Wait a little and try again."),
        )
    return render(request, "accounts/otp_verify.html", {"form": form, "next": _safe_next(request, "")})


@login_required
def otp_enrol(request):
    """Set up an authenticator app: show the key as a QR code, confirm with a first code."""
    if TOTPDevice.objects.filter(user=request.user, confirmed=True).exists() and not request.user.is_verified():
        return redirect("accounts:otp_verify")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=request.user, name=_("Authenticator app"), confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            TOTPDevice.objects.filter(user=request.user, confirmed=True).delete()
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            audit.record("auth.second_factor_enrol", obj=request.user)
            messages.success(request, _("Your authenticator app is set up."))
            return redirect(_safe_next(request))
        form.add_error("token", _("The code is not correct. Check the time on your phone and try again."))
    qr = segno.make(device.config_url, error="m")
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "accounts/otp_enrol.html",
        {
            "form": form,
            "qr_svg": qr.svg_inline(scale=5, dark="#1f2933", light="#ffffff"),
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "next": _safe_next(request, ""),
        },
    )


@login_required
def profile(request):
    """The user's own account: language, password, second factor, API tokens."""
    user = request.user
    language_form = LanguageForm(initial={"language": user.language}, prefix="lang")
    password_form = PasswordChangeForm(prefix="pw")
    new_token = None
    if request.method == "POST":
        which = request.POST.get("form")
        if which == "language":
            language_form = LanguageForm(request.POST, prefix="lang")
            if language_form.is_valid():
                services.user_set_language(user=user, language=language_form.cleaned_data["language"])
                return redirect("accounts:profile")
        elif which == "password":
            password_form = PasswordChangeForm(request.POST, prefix="pw")
            if password_form.is_valid():
                try:
                    services.user_change_password(
                        user=user,
                        old_password=password_form.cleaned_data["old_password"],
                        new_password=password_form.cleaned_data["new_password"],
                    )
                except ValidationError as exc:
                    attach_errors(password_form, exc, default_field="new_password")
                else:
                    from django.contrib.auth import update_session_auth_hash

                    update_session_auth_hash(request, user)
                    messages.success(request, _("Your password has been changed."))
                    return redirect("accounts:profile")
        elif which == "token":
            _instance, new_token = AuthToken.objects.create(user=user)
            audit.record("auth.token_create", obj=user)
        elif which == "token_revoke":
            deleted, _details = AuthToken.objects.filter(user=user, pk=request.POST.get("digest", "")).delete()
            if deleted:
                audit.record("auth.token_revoke", obj=user)
                messages.success(request, _("The token has been revoked."))
            return redirect("accounts:profile")
    return render(
        request,
        "accounts/profile.html",
        {
            "language_form": language_form,
            "password_form": password_form,
            "has_device": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
            "second_factor_required": second_factor_required(user),
            "tokens": AuthToken.objects.filter(user=user).order_by("-created"),
            "new_token": new_token,
            "assignments": user.role_assignments.select_related("region", "operator"),
        },
    )




@login_required
def user_list(request):
    filterset, qs = selectors.user_list(actor=request.user, params=request.GET)
    if request.GET.get("format") == "xlsx":
        rows = (
            (
                u.username,
                u.name,
                u.phone,
                "；".join(str(a) for a in u.role_assignments.all()),
                _("Enabled") if u.is_active else _("Deactivated"),
                u.last_login,
            )
            for u in qs
        )
        return xlsx_response(
            filename=_("users"),
            sheet=_("Users"),
            headers=[_("Username"), _("Full name"), _("Phone"), _("Roles"), _("Status"), _("Last sign-in")],
            rows=rows,
            action="user.export",
            detail={"filters": filters_of(request)},
        )
    page, query = page_of(request, qs)
    can_create = bool(AssignmentForm(actor=request.user).fields["role"].choices)
    return render(
        request,
        "accounts/user_list.html",
        {"filter": filterset, "page": page, "query": query, "can_create": can_create},
    )


def _get_user_or_404(request, pk, action="view"):
    try:
        return selectors.user_get(actor=request.user, pk=pk, action=action)
    except User.DoesNotExist:
        raise Http404 from None


@login_required
def user_create(request):
    form = UserCreateForm(request.POST or None, actor=request.user)
    if not form.fields["role"].choices:
        raise Http404
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, password = services.user_create(
                actor=request.user,
                username=data["username"],
                name=data["name"],
                phone=data["phone"],
                role=data["role"],
                region=data["region"],
                operator=data["operator"],
            )
        except ValidationError as exc:
            attach_errors(form, exc, default_field="role")
        except PermissionDenied as exc:
            form.add_error("region", str(exc) or _("You cannot grant this role at this place."))
        else:
            return render(request, "accounts/user_created.html", {"created": user, "password": password})
    return render(request, "accounts/user_form.html", {"form": form, "title": _("New user")})


@login_required
def user_detail(request, pk):
    user = _get_user_or_404(request, pk)
    can_change = selectors.user_changeable(actor=request.user, user=user)
    form = AssignmentForm(actor=request.user) if can_change else None
    return render(
        request,
        "accounts/user_detail.html",
        {
            "subject": user,
            "assignments": user.role_assignments.select_related("region", "operator", "granted_by"),
            "can_change": can_change,
            "grant_form": form,
            "recent_audit": audit_rows_for(request.user, user),
            "locked_from": services.lockouts_of(user),
        },
    )


def audit_rows_for(actor, user):
    from shegong.core.models import AuditEntry

    return AuditEntry.objects.visible_to(actor).filter(object_type="accounts.user", object_id=str(user.pk))[:10]


@login_required
def user_edit(request, pk):
    user = _get_user_or_404(request, pk, "change")
    form = UserEditForm(request.POST or None, initial={"name": user.name, "phone": user.phone, "email": user.email})
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update(actor=request.user, user=user, **form.cleaned_data)
        except ValidationError as exc:
            attach_errors(form, exc, default_field="name")
        else:
            messages.success(request, _("Saved."))
            return redirect("accounts:user_detail", pk=user.pk)
    return render(request, "accounts/user_form.html", {"form": form, "title": _("Edit %(user)s") % {"user": user}, "subject": user})


@login_required
@require_POST
def user_grant(request, pk):
    user = _get_user_or_404(request, pk, "change")
    form = AssignmentForm(request.POST, actor=request.user)
    post_and_flash(
        request, form, lambda **data: services.role_grant(actor=request.user, user=user, **data),
        success=_("Role granted."),
    )
    return redirect("accounts:user_detail", pk=user.pk)


@login_required
@require_POST
def user_revoke(request, pk, assignment_pk):
    user = _get_user_or_404(request, pk, "change")
    try:
        assignment = RoleAssignment.objects.get(pk=assignment_pk, user=user)
    except RoleAssignment.DoesNotExist:
        raise Http404 from None
    try:
        services.role_revoke(actor=request.user, assignment=assignment)
    except (ValidationError, PermissionDenied) as exc:
        flash_refusal(request, exc)
    else:
        messages.success(request, _("Role revoked."))
    return redirect("accounts:user_detail", pk=user.pk)


@login_required
@require_POST
def user_set_active(request, pk):
    user = _get_user_or_404(request, pk, "change")
    try:
        if request.POST.get("active") == "1":
            services.user_reactivate(actor=request.user, user=user)
            messages.success(request, _("The account can sign in again."))
        else:
            services.user_deactivate(actor=request.user, user=user)
            messages.success(request, _("The account is deactivated and all its sessions have ended."))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("accounts:user_detail", pk=user.pk)


@login_required
@require_POST
def user_reset_password(request, pk):
    user = _get_user_or_404(request, pk, "change")
    password = services.user_reset_password(actor=request.user, user=user)
    return render(request, "accounts/user_created.html", {"created": user, "password": password, "reset": True})


@login_required
@require_POST
def user_unlock(request, pk):
    user = _get_user_or_404(request, pk, "change")
    services.user_unlock(actor=request.user, user=user)
    messages.success(request, _("The lockout is lifted; the person can sign in again."))
    return redirect("accounts:user_detail", pk=user.pk)
