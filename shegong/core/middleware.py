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
