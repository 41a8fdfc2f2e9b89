"""Cross-cutting request handling: request context for auditing, no-store on personal pages."""

from . import context


class RequestContextMiddleware:
    """Record who is acting and from which address for the duration of the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = context.activate(
            context.RequestContext(user=getattr(request, "user", None), ip=context.client_ip(request))
        )
        try:
            return self.get_response(request)
        finally:
            context.reset(token)


class NoStoreMiddleware:
    """Pages and API answers for signed-in users may carry personal data: never cache them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith("/static/"):
            response["Cache-Control"] = "no-store"
        return response


class RejectNulMiddleware:
    """Refuse input carrying NUL characters before it reaches a form, a filter or the database
    (PostgreSQL cannot store them; a lookup with one fails): a clear 400 instead of a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._carries_nul(request):
            from django.http import HttpResponseBadRequest, JsonResponse
            from django.utils.translation import gettext as _

            detail = _("The request contains a NUL character, which no field accepts.")
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"type": "about:blank", "title": _("The request is not valid"), "status": 400, "detail": detail},
                    status=400,
                    content_type="application/problem+json",
                )
            return HttpResponseBadRequest(detail)
        return self.get_response(request)

    @staticmethod
    def _carries_nul(request) -> bool:
        if "\x00" in request.path or _nul_in(request.GET):
            return True
        if request.method in ("POST", "PUT", "PATCH"):
            content_type = request.META.get("CONTENT_TYPE", "")
            if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
                try:
                    return _nul_in(request.POST)
                except Exception:  # a malformed body: let the view answer it as it would
                    return False
            body = request.body
            return b"\x00" in body or b"\\u0000" in body
        return False


def _nul_in(query_dict) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in query_dict.lists())
