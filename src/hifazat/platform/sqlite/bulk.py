"""The bulk lane: every `hifazat serve` worker runs bulk ingest and its background jobs in a helper process.

An SOS must never wait behind bulk work, and in one CPython process it would: a batch of positions being
parsed, or a delivery being sent, shares the interpreter lock with the request that raises the SOS and
with the event loop that streams it. So a serving worker is two processes:

  * the *front* (this process, the one uvicorn runs) answers the API, the dashboard, device endpoints and
    the live stream, and raises alerts on its urgent lane (`hifazat.lane`);
  * the *back* (`python -m hifazat.platform.sqlite.bulk`, started and supervised by the front) runs `POST
    /api/v1/positions` and the background jobs: escalation timers, notification delivery, device staleness,
    retention and the demo simulator.

The front forwards each bulk request over a socket pair as one frame and relays the answer; the back runs
it through the same ASGI app (same auth, validation and errors). With the in-process bus the same socket
carries bus events both ways, so the back's events reach the front's stream and an SOS raised in the front
wakes the back's escalation loop at once; with NATS both sides are ordinary bus clients. The front also
shares its "urgent work in flight" count with the back through a shared page of memory, so the back does
not start a write while an SOS is being written (SQLite's single write lock is per file, not per process).

The back dies with the front (PR_SET_PDEATHSIG): `kill -9` of a worker stops both, and whatever either had
acknowledged is already committed. If the back dies alone, the front answers bulk requests 503 with
Retry-After and starts a new one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import mmap
import os
import socket
import subprocess
import sys
import threading
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hifazat.core.errors import Problem, invalid
from hifazat.platform.outbox import ORIGIN
from hifazat.platform.sqlite import bulk_back
from hifazat.platform.sqlite.bulk_channel import (
    EVENT,
    HELLO,
    REQUEST,
    RESPONSE,
    Channel,
    answer_problem,
    bridge_bus,
    deliver_event,
)
from hifazat.platform.sqlite.lane import lane

log = logging.getLogger("hifazat.platform.sqlite.bulk")
# What GET /readyz reports: None (no bulk lane: one process), "starting", "ok" or "restarting".
state: str | None = None

# Requests the back answers: (method, path).
BULK_ROUTES = frozenset({("POST", "/api/v1/positions")})
START_TIMEOUT_S = 120.0
REQUEST_TIMEOUT_S = 120.0
RESTART_DELAY_S = 1.0
MAX_BODY_BYTES = 32 * 1024 * 1024  # a full batch (10,000 positions) is a few MB
ORIGIN_ENV = "HIFAZAT_PROCESS_ORIGIN"

# --- the front ------------------------------------------------------------------------------------------


class BulkLane:
    """ASGI wrapper of the front: starts and supervises the back, forwards bulk requests to it."""

    def __init__(self, app: ASGIApp, back_factory: str) -> None:
        """`back_factory`: "module:function" that builds the back's app (called with role="back"); named,
        not passed, because the back is another interpreter."""
        self.app = app
        self.back_factory = back_factory
        self._channel: Channel | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._ready: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pending: dict[int, asyncio.Future[tuple[dict[str, Any], bytes]]] = {}
        self._next_id = 0
        self._stopping = False
        self._supervisor: asyncio.Task[None] | None = None
        self._shared: tuple[int, mmap.mmap] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(scope, receive, send)
            return
        if scope["type"] == "http" and (scope["method"], scope["path"]) in BULK_ROUTES:
            await self._forward(scope, receive, send)
            return
        await self.app(scope, receive, send)

    # lifespan: the back starts before the front's own lifespan (so its bus is bridged before it starts)
    # and stops after it.

    async def _lifespan(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def recv() -> Message:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await self.start()
            return message

        async def snd(message: Message) -> None:
            if message["type"] in ("lifespan.shutdown.complete", "lifespan.shutdown.failed"):
                await self.stop()
            await send(message)

        await self.app(scope, recv, snd)

    async def start(self) -> None:
        _set_state("starting")
        self._loop = asyncio.get_running_loop()
        self._ready = asyncio.Event()
        self._shared = _shared_page()
        lane.share(self._shared[1])
        self._spawn()
        try:
            await asyncio.wait_for(self._ready.wait(), START_TIMEOUT_S)
        except TimeoutError:
            log.error("the bulk lane did not start in time; bulk requests answer 503 until it does")
        self._supervisor = asyncio.create_task(self._supervise())

    def _spawn(self) -> None:
        front, back = socket.socketpair()
        fd = self._shared[0] if self._shared is not None else -1
        env = {**os.environ, ORIGIN_ENV: ORIGIN}
        cmd = [sys.executable, "-m", __name__, str(back.fileno()), str(fd), self.back_factory]
        self._proc = subprocess.Popen(cmd, env=env, pass_fds=[back.fileno()] + ([fd] if fd >= 0 else []))
        back.close()
        self._channel = Channel(front)
        bridge_bus(self._channel)
        reader = threading.Thread(target=self._read, args=(self._channel,), name="bulk-lane", daemon=True)
        reader.start()

    def _read(self, channel: Channel) -> None:
        assert self._loop is not None
        assert self._ready is not None
        loop, ready = self._loop, self._ready
        try:
            while True:
                kind, meta, body = channel.receive()
                if kind == EVENT:
                    deliver_event(body)
                elif kind == RESPONSE:
                    loop.call_soon_threadsafe(self._resolve, meta, body)
                elif kind == HELLO:
                    loop.call_soon_threadsafe(ready.set)
                    _set_state("ok")
        except (EOFError, OSError):
            pass
        except Exception:
            log.exception("bulk lane channel failed")
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(self._lost, channel)

    def _resolve(self, meta: dict[str, Any], body: bytes) -> None:
        fut = self._pending.pop(int(meta["id"]), None)
        if fut is not None and not fut.done():
            fut.set_result((meta, body))

    def _lost(self, channel: Channel) -> None:
        if channel is not self._channel:
            return
        assert self._ready is not None
        self._ready.clear()
        for fut in self._pending.values():
            if not fut.done():
                fut.set_exception(ConnectionError("the bulk lane stopped"))
        self._pending.clear()

    async def _supervise(self) -> None:
        while not self._stopping:
            proc = self._proc
            if proc is None:
                return
            code = await asyncio.to_thread(proc.wait)
            if self._stopping:
                return
            log.error("the bulk lane exited (%s); starting a new one", code)
            _set_state("restarting")
            if self._channel is not None:
                self._lost(self._channel)
                self._channel.close()
            await asyncio.sleep(RESTART_DELAY_S)
            if not self._stopping:
                self._spawn()

    async def stop(self) -> None:
        self._stopping = True
        proc, channel = self._proc, self._channel
        if channel is not None:
            channel.close()  # the back shuts down when its channel closes
        if proc is not None:
            try:
                await asyncio.wait_for(asyncio.to_thread(proc.wait), 20)
            except TimeoutError:
                proc.kill()
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor

    async def _forward(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > MAX_BODY_BYTES:
                problem = invalid("body", f"larger than {MAX_BODY_BYTES} bytes", status=413)
                await answer_problem(scope, receive, send, problem)
                return
            if not message.get("more_body", False):
                break
        channel, ready = self._channel, self._ready
        if channel is None or ready is None or not ready.is_set():
            await answer_problem(scope, receive, send, _unavailable())
            return
        self._next_id += 1
        rid = self._next_id
        fut: asyncio.Future[tuple[dict[str, Any], bytes]] = asyncio.get_running_loop().create_future()
        self._pending[rid] = fut
        meta = {
            "id": rid,
            "method": scope["method"],
            "path": scope["path"],
            "query": scope.get("query_string", b"").decode("latin-1"),
            "headers": [[k.decode("latin-1"), v.decode("latin-1")] for k, v in scope["headers"]],
            "client": list(scope["client"]) if scope.get("client") else None,
            "server": list(scope["server"]) if scope.get("server") else None,
            "scheme": scope.get("scheme", "http"),
        }
        try:
            channel.send(REQUEST, meta, bytes(body))
            answer, content = await asyncio.wait_for(fut, REQUEST_TIMEOUT_S)
        except (OSError, ConnectionError, TimeoutError):
            self._pending.pop(rid, None)
            await answer_problem(scope, receive, send, _unavailable())
            return
        headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in answer["headers"]]
        await send({"type": "http.response.start", "status": int(answer["status"]), "headers": headers})
        await send({"type": "http.response.body", "body": content})


def _set_state(value: str) -> None:
    """For /readyz and /metrics (the metrics live in `platform/ops.py`)."""
    from hifazat.platform import ops  # ops imports this module (for `state`)

    global state
    if value == "restarting":
        ops.BULK_LANE_RESTARTS.inc()
    state = value
    ops.BULK_LANE_UP.set(1 if value == "ok" else 0)


def _unavailable() -> Problem:
    detail = "the ingest lane is restarting; retry the same batch (duplicates are recognised)"
    return Problem(503, "Service Unavailable", detail, headers={"Retry-After": "1"})


def _shared_page() -> tuple[int, mmap.mmap]:
    """A page of memory the back inherits by file descriptor (memfd where Linux has it)."""
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("hifazat-lane", 0)  # inheritable only through pass_fds
    else:  # pragma: no cover - not Linux
        import tempfile  # only where memfd is missing

        with tempfile.TemporaryFile() as fh:
            fd = os.dup(fh.fileno())
    os.ftruncate(fd, mmap.PAGESIZE)
    return fd, mmap.mmap(fd, mmap.PAGESIZE)


if __name__ == "__main__":  # the back: `python -m hifazat.platform.sqlite.bulk`, as the front starts it
    bulk_back.main(sys.argv[1:])
