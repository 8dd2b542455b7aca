"""Device-facing HTTP endpoints as raw ASGI (no router, no dependency injection: thousands per second).

`/ingest/osmand` (Traccar Client, OsmAnd) and `/ingest/owntracks` (OwnTracks HTTP mode). Every answer is
2xx or 4xx for any input; a failure is logged and counted per client address (429 past the limit). An
identifier no active device has gets the answer a registered one would (OsmAnd: 200; OwnTracks: the 401 of
a wrong secret) and is counted per address (429 past `tracking_unknown_devices_per_minute`).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
from typing import Any

import orjson
from prometheus_client import Counter
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from hifazat.core.errors import log_failure
from hifazat.tracking import accept
from hifazat.tracking.cache import DeviceInfo
from hifazat.tracking.protocols import Decoded, Rejected, osmand, owntracks
from hifazat.tracking.writer import writer

log = logging.getLogger("hifazat.tracking.endpoints")
OSMAND_PATH = "/ingest/osmand"
OWNTRACKS_PATH = "/ingest/owntracks"
MAX_BODY = 64 * 1024
REPORTS = Counter(
    "hifazat_device_reports_total", "Device reports by protocol and answer", ["protocol", "status"]
)
PROBLEM = b"application/problem+json"


async def _body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        msg = await receive()
        if msg["type"] == "http.disconnect":
            raise Rejected(400, "client went away", "body")
        chunk = msg.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            raise Rejected(413, "body too large", "body")
        chunks.append(chunk)
        if not msg.get("more_body", False):
            return b"".join(chunks)


async def _send(
    send: Send, status: int, body: bytes = b"", ctype: bytes = b"text/plain", extra: list[Any] | None = None
) -> None:
    headers = [(b"content-type", ctype), (b"content-length", str(len(body)).encode())]
    if extra:
        headers.extend(extra)
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _problem(path: str, status: int, reason: str, field: str) -> bytes:
    titles = {400: "Bad Request", 401: "Unauthorized", 404: "Not Found", 405: "Method Not Allowed"}
    titles.update({413: "Payload Too Large", 429: "Too Many Requests", 503: "Service Unavailable"})
    return orjson.dumps(
        {
            "type": "https://hifazat.example/problems/device-report",
            "title": titles.get(status, "Error"),
            "status": status,
            "detail": f"{field}: {reason}",
            "instance": path,
            "errors": [{"field": field, "reason": reason}],
        }
    )


def _headers(scope: Scope) -> dict[bytes, bytes]:
    return {k.lower(): v for k, v in scope.get("headers") or []}


def _client(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


async def _device(identifier: str) -> DeviceInfo | None:
    dev = accept.lookup(identifier)
    if dev is None:
        dev = await run_in_threadpool(accept.lookup_fresh, identifier)
    return dev


async def _store(decoded: Decoded, dev: DeviceInfo, source: str, client: str) -> None:
    if accept.is_sign_of_life(decoded):
        await run_in_threadpool(accept.sign_of_life, dev)
        return
    last = await run_in_threadpool(accept.last_known, dev.id) if accept.needs_last(decoded) else None
    fix = accept.to_fix(decoded, dev, source, last)
    if not await asyncio.wrap_future(writer.submit(fix)):
        # Suspended or deleted since this worker's cache looked: as for any identifier no active device has.
        accept.unknown_identifier(source, client, dev.identifier)


async def osmand_app(scope: Scope, receive: Receive, send: Send) -> None:
    client = _client(scope)
    path = scope["path"]
    if scope["method"] not in ("GET", "POST"):
        await _send(send, 405, _problem(path, 405, "use GET or POST", "method"), PROBLEM)
        return
    wait = accept.blocked(client)
    if wait:
        REPORTS.labels("osmand", "429").inc()
        body = _problem(path, 429, "too many failed requests from this address", "id")
        await _send(send, 429, body, PROBLEM, [(b"retry-after", str(wait).encode())])
        return
    identifier: str | None = None
    try:
        body = await _body(receive)
        ctype = _headers(scope).get(b"content-type", b"").decode("latin-1")
        decoded = osmand.decode(scope.get("query_string", b""), body, ctype)
        identifier = decoded.identifier
        dev = await _device(decoded.identifier)
        if dev is None or not dev.active:
            # The identifier is the only credential: its report is answered as a known device's would be
            # (the same 4xx for the same mistakes, else 200), counted, and dropped.
            accept.check_only(decoded, "osmand")
            accept.unknown_identifier("osmand", client, decoded.identifier)
        else:
            await _store(decoded, dev, "osmand", client)
    except Rejected as exc:
        accept.reject("osmand", client, exc, identifier)
        REPORTS.labels("osmand", str(exc.status)).inc()
        await _send(send, exc.status, _problem(path, exc.status, exc.reason, exc.field), PROBLEM)
        return
    except Exception as exc:
        log_failure(log, "osmand report could not be stored", exc)
        REPORTS.labels("osmand", "503").inc()
        await _send(send, 503, _problem(path, 503, "could not store the position; retry", "body"), PROBLEM)
        return
    REPORTS.labels("osmand", "200").inc()
    await _send(send, 200)


def _basic(scope: Scope) -> tuple[str, str] | None:
    raw = _headers(scope).get(b"authorization", b"")
    if not raw.lower().startswith(b"basic "):
        return None
    try:
        user, _, password = base64.b64decode(raw[6:].strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return user, password


async def owntracks_app(scope: Scope, receive: Receive, send: Send) -> None:
    client = _client(scope)
    path = scope["path"]
    unauthorized = [(b"www-authenticate", b'Basic realm="hifazat"')]
    if scope["method"] != "POST":
        await _send(send, 405, _problem(path, 405, "OwnTracks HTTP mode uses POST", "method"), PROBLEM)
        return
    wait = accept.blocked(client)
    if wait:
        REPORTS.labels("owntracks", "429").inc()
        body = _problem(path, 429, "too many failed requests from this address", "authorization")
        await _send(send, 429, body, PROBLEM, [(b"retry-after", str(wait).encode())])
        return
    creds = _basic(scope)
    identifier = creds[0] if creds else None
    try:
        if creds is None:
            raise Rejected(401, "HTTP Basic credentials of the device are required", "authorization")
        # Always against the current configuration: a rotated secret or a suspended device stops at once.
        dev = await run_in_threadpool(accept.lookup_fresh, creds[0])
        if dev is None or not dev.active or not dev.check_secret(creds[1]):
            raise Rejected(401, "unknown device or wrong secret", "authorization")
        headers = _headers(scope)
        limit_u = headers.get(b"x-limit-u", b"").decode("latin-1")
        if limit_u and limit_u != creds[0]:
            raise Rejected(401, "X-Limit-U does not match the authenticated device", "X-Limit-U")
        limit_d = headers.get(b"x-limit-d", b"").decode("latin-1") or None
        msg = owntracks.parse(await _body(receive))
        decoded = owntracks.decode(msg, dev.identifier, limit_d)
        if decoded is not None:
            await _store(decoded, dev, "owntracks", client)
    except Rejected as exc:
        accept.reject("owntracks", client, exc, identifier)
        if exc.status == 401:
            # Unknown identifier, wrong secret, no credentials: one answer and one count, so neither the
            # answer nor when the limit engages tells a registered identifier from a guess.
            accept.unknown_identifier("owntracks", client, identifier or "")
        REPORTS.labels("owntracks", str(exc.status)).inc()
        extra = unauthorized if exc.status == 401 else None
        await _send(send, exc.status, _problem(path, exc.status, exc.reason, exc.field), PROBLEM, extra)
        return
    except Exception as exc:
        log_failure(log, "owntracks report could not be stored", exc)
        REPORTS.labels("owntracks", "503").inc()
        await _send(send, 503, _problem(path, 503, "could not store the position; retry", "body"), PROBLEM)
        return
    REPORTS.labels("owntracks", "200").inc()
    await _send(send, 200, b"[]", b"application/json")


class DeviceIngress:
    """Outermost middleware: device endpoints are answered before routing; everything else passes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            p = scope["path"]
            if p == OSMAND_PATH or p == OSMAND_PATH + "/":
                await osmand_app(scope, receive, send)
                return
            if p == OWNTRACKS_PATH or p == OWNTRACKS_PATH + "/":
                await owntracks_app(scope, receive, send)
                return
        await self.app(scope, receive, send)
