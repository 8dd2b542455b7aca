"""The live stream's machinery: which bus subjects reach dashboards (routes), a subscriber's inbox, SSE bytes.

Domains declare which bus subjects reach the stream and under which SSE event name as `StreamRoute`s. The
endpoint itself (`hifazat.auth.live_stream`) decides per subscriber, by the policy, what each one sees.
"""

from __future__ import annotations

import asyncio
import collections
import fnmatch
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson

from hifazat.platform.composition import ExtensionPoint, current

log = logging.getLogger("hifazat.platform.stream")
HEARTBEAT_S = 15.0
QUEUE_MAX = 2000
RECHECK_S = 0.5  # how often an open stream re-resolves its token (revocation, changed rights)


@dataclass(frozen=True)
class StreamRoute:
    pattern: str  # bus subject pattern (fnmatch)
    name: str  # SSE event name
    kind: str  # entity kind for the policy check
    # Personal events carry `user_id`: when it is set, only that user sees the event.
    personal: bool = False
    # The domain's last word on what a subscriber sees (coarse coordinates): (data, principal) -> data.
    transform: Callable[[dict[str, Any], Any], dict[str, Any]] | None = None


# Domains contribute their routes in their `Domain` (hifazat.platform.composition).
STREAM_ROUTES: ExtensionPoint[StreamRoute] = ExtensionPoint("stream.routes")

# The two internal keys an event carries on the wire between workers (bus, outbox); written and read only
# by `Audience`, and never sent to a browser (the stream drops every key starting with "_").
_SHARED_WITH = "_shared_with"
_SUMMARY = "_summary"


@dataclass(frozen=True, slots=True)
class Audience:
    """Who sees an event beyond what the policy grants by its scope, and how much a summary view shows.

    `shared_with`: agencies the record was shared with explicitly (an alert escalated to them); they see it
    in full. `summary`: the payload keys a summary view keeps (besides id and agency_id); None: the kind
    has no summary form, a summary view sees only id and agency_id."""

    shared_with: tuple[str, ...] = ()
    summary: tuple[str, ...] | None = None

    def on_wire(self, payload: dict[str, Any], *, shared: bool = False) -> dict[str, Any]:
        """`payload` with the audience added under its internal keys (in place; returned for chaining).
        `shared`: write the share list even when empty (an alert always carries one)."""
        if shared or self.shared_with:
            payload[_SHARED_WITH] = list(self.shared_with)
        if self.summary is not None:
            payload[_SUMMARY] = list(self.summary)
        return payload

    @classmethod
    def of_wire(cls, payload: dict[str, Any]) -> Audience:
        summary = payload.get(_SUMMARY)
        return cls(tuple(payload.get(_SHARED_WITH) or ()), tuple(summary) if summary is not None else None)


def route_for(subject: str) -> StreamRoute | None:
    for r in current().get(STREAM_ROUTES):
        if fnmatch.fnmatchcase(subject, r.pattern):
            return r
    return None


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
    inbox: Inbox,
    disconnected: Callable[[], Awaitable[bool]],
    heartbeat_s: float = HEARTBEAT_S,
    still_allowed: Callable[[], Awaitable[bool]] | None = None,
    recheck_s: float = RECHECK_S,
) -> AsyncIterator[bytes]:
    """The stream's bytes: a greeting, then each event as it comes, a gap notice where events were dropped,
    and a comment line after `heartbeat_s` of silence (so proxies keep the connection) until it is closed.
    `still_allowed` is awaited at most every `recheck_s`: False (the token was revoked) ends the stream."""
    yield b": connected\nretry: 2000\n\n"
    loop = asyncio.get_running_loop()
    quiet_since = checked = loop.time()
    while True:
        got = await inbox.wait(min(heartbeat_s, recheck_s) if still_allowed is not None else heartbeat_s)
        now = loop.time()
        if still_allowed is not None and now - checked >= recheck_s:
            checked = now
            if not await still_allowed():
                yield b"event: revoked\ndata: {}\n\n"
                return
        if not got:
            if now - quiet_since < heartbeat_s:
                continue
            if await disconnected():
                return
            quiet_since = now
            yield b": keep-alive\n\n"
            continue
        quiet_since = now
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
