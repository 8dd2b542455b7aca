"""Who the client is: the peer's address, or, when the peer is a configured reverse proxy
(`Settings.trusted_proxies`), the address its X-Forwarded-For names. The one place that reads those headers;
the login limit, the audit log, the device rate limit and the access log all read the `client` this sets.

Without configured proxies nothing is believed: a header anyone can send must not lift the per-address
login limit or write a forged address into the audit log."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from functools import lru_cache

from starlette.types import ASGIApp, Receive, Scope, Send

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
# Set on a scope once resolved, so an app wrapped twice (the serving front around the app) resolves once.
RESOLVED = "hifazat.peer"
_SCHEMES = {"http": ("http", "ws"), "https": ("https", "wss")}


@lru_cache(maxsize=8)
def networks(trusted: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in trusted)


def _ip(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.7:51234"
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def is_trusted(address: str | None, trusted: Sequence[Network]) -> bool:
    ip = _ip(address) if address else None
    return ip is not None and any(ip in net for net in trusted)


def client_address(peer: str | None, forwarded_for: Iterable[str], trusted: Sequence[Network]) -> str | None:
    """The client behind the proxies: walking X-Forwarded-For from the right (the hop nearest us), the
    first address that is not itself a trusted proxy. Entries left of it were written by the client and
    prove nothing. An entry that is no address ends the walk at the proxy that passed it on."""
    if not is_trusted(peer, trusted):
        return peer
    hops = [h.strip() for value in forwarded_for for h in value.split(",") if h.strip()]
    current = peer
    for hop in reversed(hops):
        ip = _ip(hop)
        if ip is None:
            return current
        current = str(ip)
        if not any(ip in net for net in trusted):
            return current
    return current


def _header_values(scope: Scope, name: bytes) -> list[str]:
    return [v.decode("latin-1") for k, v in scope.get("headers") or [] if k.lower() == name]


def resolve(scope: Scope, trusted: Sequence[Network]) -> None:
    """Rewrite `scope["client"]` (and the scheme, from X-Forwarded-Proto) for a request via a trusted
    proxy; leave both alone for anyone else."""
    if RESOLVED in scope:
        return
    client = scope.get("client")
    peer = str(client[0]) if client else None
    scope[RESOLVED] = peer
    if not trusted or not is_trusted(peer, trusted):
        return
    address = client_address(peer, _header_values(scope, b"x-forwarded-for"), trusted)
    if address != peer:
        scope["client"] = (address, 0)
    protos = [p.strip().lower() for v in _header_values(scope, b"x-forwarded-proto") for p in v.split(",")]
    if protos and protos[-1] in _SCHEMES:
        scope["scheme"] = _SCHEMES[protos[-1]][0 if scope["type"] == "http" else 1]


class ForwardedClient:
    """Pure ASGI, outermost: everything inside sees the resolved client address."""

    def __init__(self, app: ASGIApp, trusted_proxies: Sequence[str] = ()) -> None:
        self.app = app
        self.trusted = networks(tuple(trusted_proxies))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            resolve(scope, self.trusted)
        await self.app(scope, receive, send)
