"""Where a browser request came from: its Origin (or, without one, its Referer's scheme and host), judged
against the server's own origin and `Settings.allowed_origins`.

A cookie login from another site would sign the victim's browser in to the attacker's account (login
CSRF), and SameSite cannot stop it, since the cookie is set by that very answer. A browser names the
page's origin on every cross-site POST, so an origin that is neither ours nor configured is refused; so
is none at all, since a login form of ours always sends one."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Request

from hifazat.config import get_settings
from hifazat.core.errors import forbidden

_DEFAULT_PORTS = {"http": 80, "https": 443}


def _key(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an origin or URL; None for "null" or anything that is not http(s)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]


def request_origin(request: Request) -> str | None:
    """The origin the browser named: Origin, else the scheme and host of Referer, else None."""
    origin = request.headers.get("origin")
    if origin is not None:
        return origin
    referer = request.headers.get("referer")
    if not referer:
        return None
    parts = urlsplit(referer)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else "null"


def own_origin(request: Request) -> str:
    """This server as the client addressed it: the scheme (X-Forwarded-Proto from a trusted proxy, see
    platform/forwarded.py) and the Host header."""
    return f"{request.url.scheme}://{request.headers.get('host', request.url.netloc)}"


def is_allowed(origin: str, request: Request) -> bool:
    key = _key(origin)
    if key is None:
        return False
    allowed = [own_origin(request), *get_settings().allowed_origins]
    return any(key == _key(candidate) for candidate in allowed)


def require_own_origin(request: Request, *, what: str) -> None:
    """403 problem+json unless the request names an origin that is ours or configured."""
    origin = request_origin(request)
    if origin is None:
        raise forbidden(f"{what} refused: the request names no Origin or Referer")
    if not is_allowed(origin, request):
        raise forbidden(
            f"{what} refused: origin {origin[:200]} is neither this server nor in HIFAZAT_ALLOWED_ORIGINS"
        )


def may_come_from(request: Request) -> bool:
    """For a form post a SameSite=Strict cookie already guards: refuse only an origin named and foreign."""
    origin = request_origin(request)
    return origin is None or is_allowed(origin, request)
