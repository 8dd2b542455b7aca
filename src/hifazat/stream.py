"""GET /api/v1/stream: server-sent events for dashboards, filtered by the same policy as every read.

Domains declare which bus subjects reach the stream and under which SSE event name with `register`.
An event's payload must carry `agency_id` (and `province` or filter fields where the kind has them) so the
stream can decide, per subscriber, whether the record is visible — exactly as `policy.view_of` does for reads.
"""

from __future__ import annotations

import asyncio
import collections
import fnmatch
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
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


class Inbox:
    """One subscriber's events waiting to be sent: filled from the bus's callbacks, drained by the stream.

    A plain future wakes the stream, so a new event is written one loop turn after its delivery callback
    (an asyncio.Queue read under wait_for took three: the getter, the timeout's task, the caller), and
    `answer_after_streams` can let every stream write an SOS before the SOS's own answer goes out."""

    def __init__(self, limit: int = QUEUE_MAX) -> None:
        self.limit = limit
        self.chunks: collections.deque[bytes] = collections.deque()
        self.dropped = 0  # past `limit`: a stalled client must not stall the server; it sees a gap notice
        self._waiter: asyncio.Future[None] | None = None

    def put(self, chunk: bytes) -> None:
        if len(self.chunks) >= self.limit:
            self.dropped += 1
        else:
            self.chunks.append(chunk)
        if self._waiter is not None:
            _wake(self._waiter)

    async def wait(self, timeout: float) -> bool:
        """Until something is waiting (True) or `timeout` passed with nothing (False)."""
        if self.chunks or self.dropped:
            return True
        loop = asyncio.get_running_loop()
        waiter = self._waiter = loop.create_future()
        timer = loop.call_later(timeout, _wake, waiter)
        try:
            await waiter
        finally:
            timer.cancel()
            self._waiter = None
        return bool(self.chunks or self.dropped)


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


async def sse_chunks(
    inbox: Inbox, disconnected: Callable[[], Awaitable[bool]], heartbeat_s: float = HEARTBEAT_S
) -> AsyncIterator[bytes]:
    """The stream's bytes: a greeting, then each event as it comes, a gap notice where events were dropped,
    and a comment line after `heartbeat_s` of silence (so proxies keep the connection) until it is closed."""
    yield b": connected\nretry: 2000\n\n"
    while True:
        if not await inbox.wait(heartbeat_s):
            if await disconnected():
                return
            yield b": keep-alive\n\n"
            continue
        if inbox.dropped:
            yield b"event: gap\ndata: " + orjson.dumps({"dropped": inbox.dropped}) + b"\n\n"
            inbox.dropped = 0
        while inbox.chunks:
            yield inbox.chunks.popleft()


# Loop turns for the bus's delivery callbacks (scheduled by the publish) and then the stream writes they
# woke (one turn each, `Inbox`) to run before the request that published goes on.
_STREAM_TURNS = 2


async def answer_after_streams() -> None:
    """Called by a request that just committed an urgent change (an SOS) before it answers: every live
    stream of this worker writes the change's event first. The dashboards watching are who must know at
    once; the answer, its caller's own copy, follows a fraction of a millisecond later."""
    for _ in range(_STREAM_TURNS):
        await asyncio.sleep(0)


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
    inbox = Inbox()

    def on_event(event: Event) -> None:
        route = route_for(event.subject)
        if route is None or (wanted is not None and route.name not in wanted):
            return
        data = visible_payload(event, route, principal)
        if data is None:
            return
        inbox.put(sse(event.id, route.name, data))

    unsubscribe = get_bus().subscribe("*", on_event)

    async def body() -> AsyncIterator[bytes]:
        try:
            async for chunk in sse_chunks(inbox, request.is_disconnected):
                yield chunk
        finally:
            unsubscribe()

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no", "Connection": "keep-alive"}
    return StreamingResponse(body(), media_type="text/event-stream", headers=headers)
