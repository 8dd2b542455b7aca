"""GET /api/v1/stream: server-sent events for dashboards, filtered by the same policy as every read.

Domains declare which bus subjects reach the stream and under which SSE event name with `register`.
An event's payload must carry `agency_id` (and `province` or filter fields where the kind has them) so the
stream can decide, per subscriber, whether the record is visible — exactly as `policy.view_of` does for reads.
"""

from __future__ import annotations

import asyncio
import fnmatch
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from hifazat.auth.policy import Principal, View, view_of
from hifazat.bus import Event, get_bus
from hifazat.deps import CurrentUser

log = logging.getLogger("hifazat.stream")
router = APIRouter(prefix="/api/v1", tags=["stream"])
HEARTBEAT_S = 15.0
QUEUE_MAX = 2000


@dataclass(frozen=True)
class StreamRoute:
    pattern: str  # bus subject pattern (fnmatch)
    name: str  # SSE event name
    kind: str  # entity kind for the policy check
    # Personal events carry `user_id`: when it is set, only that user sees the event.
    personal: bool = False


ROUTES: list[StreamRoute] = []


def register(pattern: str, name: str, kind: str, *, personal: bool = False) -> None:
    """Send bus events matching `pattern` to dashboards as SSE events named `name`."""
    route = StreamRoute(pattern, name, kind, personal)
    if route not in ROUTES:
        ROUTES.append(route)


def route_for(subject: str) -> StreamRoute | None:
    for r in ROUTES:
        if fnmatch.fnmatchcase(subject, r.pattern):
            return r
    return None


def visible_payload(event: Event, route: StreamRoute, principal: Principal) -> dict[str, Any] | None:
    """The payload as this subscriber may see it, or None. Keys starting with '_' are internal."""
    payload = event.payload
    if route.personal and payload.get("user_id") is not None and payload["user_id"] != principal.user_id:
        return None
    view = view_of(SimpleNamespace(**payload), route.kind, principal)
    if view is None and principal.tree & set(payload.get("_shared_with") or ()):
        view = View("full")  # an explicit per-record share (e.g. an alert escalated to this agency)
    if view is None:
        return None
    data = {k: v for k, v in payload.items() if not k.startswith("_")}
    if view.level != "full":
        keep = set(payload.get("_summary", ())) | {"id", "agency_id"}
        data = {k: v for k, v in data.items() if k in keep}
    for k in view.redact:
        if k in data:
            data[k] = None
    return data


def sse(event_id: str, name: str, data: dict[str, Any]) -> bytes:
    return (
        b"id: "
        + event_id.encode()
        + b"\nevent: "
        + name.encode()
        + b"\ndata: "
        + orjson.dumps(data)
        + b"\n\n"
    )


@router.get("/stream")
async def stream(
    request: Request,
    principal: CurrentUser,
    events: Annotated[
        str | None, Query(max_length=200, description="Comma-separated SSE event names")
    ] = None,
) -> StreamingResponse:
    """Live events (`alert`, `position`, ...) for the caller, as text/event-stream."""
    wanted = {e.strip() for e in events.split(",") if e.strip()} if events else None
    queue: asyncio.Queue[bytes] = asyncio.Queue(maxsize=QUEUE_MAX)
    dropped = 0

    def on_event(event: Event) -> None:
        nonlocal dropped
        route = route_for(event.subject)
        if route is None or (wanted is not None and route.name not in wanted):
            return
        data = visible_payload(event, route, principal)
        if data is None:
            return
        try:
            queue.put_nowait(sse(event.id, route.name, data))
        except asyncio.QueueFull:
            dropped += 1  # a stalled client must not stall the server; it sees a gap notice below

    unsubscribe = get_bus().subscribe("*", on_event)

    async def body() -> AsyncIterator[bytes]:
        nonlocal dropped
        try:
            yield b": connected\nretry: 2000\n\n"
            while True:
                try:
                    chunk = await asyncio.wait_for(queue.get(), timeout=HEARTBEAT_S)
                except TimeoutError:
                    if await request.is_disconnected():
                        return
                    yield b": keep-alive\n\n"
                    continue
                if dropped:
                    yield b"event: gap\ndata: " + orjson.dumps({"dropped": dropped}) + b"\n\n"
                    dropped = 0
                yield chunk
        finally:
            unsubscribe()

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no", "Connection": "keep-alive"}
    return StreamingResponse(body(), media_type="text/event-stream", headers=headers)
