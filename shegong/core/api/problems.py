"""Errors as RFC 9457 problem details (application/problem+json)."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_handler

from shegong.core.concurrency import EditConflict

TITLES = {
    400: _("The request is not valid"),
    401: _("Not signed in"),
    403: _("Not allowed"),
    404: _("Not found"),
    405: _("Method not allowed"),
    406: _("Not acceptable"),
    415: _("Unsupported media type"),
    409: _("Edit conflict"),
    429: _("Too many requests"),
}


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "conflict"


def exception_handler(exc, context):
    if isinstance(exc, EditConflict):  # someone saved in between: nothing was written
        exc = Conflict(" ".join(exc.messages))
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_handler(exc, context)
    if response is None:
        return None
    code = response.status_code
    body = {"type": "about:blank", "title": str(TITLES.get(code, _("Error"))), "status": code}
    request = context.get("request")
    if request is not None:
        body["instance"] = request.path
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        body["detail"] = _("Some fields are not valid.")
        body["errors"] = data if isinstance(data, dict) else {"non_field_errors": data}
    elif isinstance(data, dict) and "detail" in data:
        body["detail"] = str(data["detail"])
    else:
        body["detail"] = str(data)
    headers = {k: v for k, v in response.items() if k.lower() in ("www-authenticate", "retry-after", "allow")}
    return Response(body, status=code, headers=headers, content_type="application/problem+json")


def not_found():
    return Response(
        {"type": "about:blank", "title": str(TITLES[404]), "status": 404},
        status=status.HTTP_404_NOT_FOUND,
        content_type="application/problem+json",
    )
