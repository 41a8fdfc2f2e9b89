"""The request a piece of work runs in, so that services can audit without being handed it."""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    """Who is acting and from where, as far as the web layer knows."""

    user: object | None
    ip: str | None


_current: ContextVar[RequestContext | None] = ContextVar("shegong_request", default=None)


def current() -> RequestContext | None:
    """Return the context of the request being served, or None outside a request."""
    return _current.get()


def activate(ctx: RequestContext):
    """Make ``ctx`` current; returns the token to pass to :func:`reset`."""
    return _current.set(ctx)


def reset(token) -> None:
    _current.reset(token)


def client_ip(request) -> str | None:
    """The client's address. Behind a trusted proxy the proxy sets REMOTE_ADDR for us
    (deployments terminate at a proxy that overwrites it), so a spoofable header is never read."""
    return request.META.get("REMOTE_ADDR") or None
