"""How a page turns a service's refusal into what the person sees: on the form, or as a message."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError


def attach_errors(form, exc: ValidationError | PermissionDenied, default_field=None) -> None:
    """Show a service's refusal on ``form``: each field's errors on that field, the rest on
    ``default_field`` (a permission refusal reads as an error too)."""
    if isinstance(exc, PermissionDenied):
        exc = ValidationError(str(exc))
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else default_field, errors)
    else:
        form.add_error(default_field, exc.messages)


def flash_refusal(request, exc: ValidationError | PermissionDenied) -> None:
    """Show a service's refusal as error messages on the next page."""
    for message in getattr(exc, "messages", None) or [str(exc)]:
        messages.error(request, message)


def flash_form_errors(request, form) -> None:
    """Show an invalid small form's errors as messages (forms posted from a detail page)."""
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


def submit(request, form, action, *, error_field=None, denied_field=None, success=None, then):
    """Run ``action(**form.cleaned_data)`` for a valid posted form.

    A validation refusal goes on the form (each field on its own, the rest on ``error_field``), a
    permission refusal on ``denied_field``; both return None so the page shows the form again.
    On success ``success`` is flashed and ``then(result)`` (usually a redirect) is returned.
    """
    try:
        result = action(**form.cleaned_data)
    except ValidationError as exc:
        attach_errors(form, exc, error_field)
        return None
    except PermissionDenied as exc:
        form.add_error(denied_field or error_field, str(exc))
        return None
    if success:
        messages.success(request, success)
    return then(result)


def post_and_flash(request, form, action, *, success) -> bool:
    """For a small form posted from a detail page: run ``action(**form.cleaned_data)`` when the
    form is valid and say how it went as messages (the page then redirects back). Returns whether
    the action ran."""
    if not form.is_valid():
        flash_form_errors(request, form)
        return False
    try:
        action(**form.cleaned_data)
    except (ValidationError, PermissionDenied) as exc:
        flash_refusal(request, exc)
        return False
    messages.success(request, success)
    return True
