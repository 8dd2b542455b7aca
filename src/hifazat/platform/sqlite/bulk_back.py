"""The back of a worker's bulk lane (`python -m hifazat.platform.sqlite.bulk`, started by `bulk.BulkLane`):
it answers the forwarded bulk requests through the same ASGI app and runs the background
jobs."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import importlib
import logging
import mmap
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Message

from hifazat.core.errors import Problem
from hifazat.platform import db
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
# The back yields the CPU to its front when both want it: background work may wait, an SOS may not. (5 was
# measurably better than 0 and 10 in bench/alerts.py on 2 cores: at 10 the back's writes, which an SOS may
# be waiting on to yield the lock, ran too late.)
BACK_NICENESS = 5


def _die_with_parent() -> None:
    """Linux: the kernel sends SIGKILL when the front dies, however it dies."""
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


async def _answer(app: ASGIApp, channel: Channel, meta: dict[str, Any], body: bytes) -> None:
    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": meta["method"],
        "scheme": meta["scheme"],
        "path": meta["path"],
        "raw_path": meta["path"].encode(),
        "root_path": "",
        "query_string": meta["query"].encode("latin-1"),
        "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in meta["headers"]],
        "client": tuple(meta["client"]) if meta["client"] else None,
        "server": tuple(meta["server"]) if meta["server"] else None,
        "state": {},
    }
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            await asyncio.Event().wait()  # nothing more arrives; a disconnect never comes
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    status, headers, chunks = 500, [], []

    async def send(message: Message) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status = message["status"]
            headers = [[k.decode("latin-1"), v.decode("latin-1")] for k, v in message.get("headers", [])]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    try:
        await app(scope, receive, send)
    except Exception:
        log.exception("bulk request failed", extra={"path": meta["path"]})
        chunks.clear()
        await answer_problem(scope, receive, send, Problem(500, "Internal Server Error"))
    with contextlib.suppress(OSError):
        channel.send(RESPONSE, {"id": meta["id"], "status": status, "headers": headers}, b"".join(chunks))


async def _serve(channel: Channel, factory: str) -> None:
    module, _, name = factory.partition(":")
    app = getattr(importlib.import_module(module), name)(role="back")
    loop = asyncio.get_running_loop()
    closed = asyncio.Event()
    tasks: set[asyncio.Future[None]] = set()

    def submit(meta: dict[str, Any], body: bytes) -> None:
        task = asyncio.ensure_future(_answer(app, channel, meta, body))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    def read() -> None:
        try:
            while True:
                kind, meta, body = channel.receive()
                if kind == REQUEST:
                    loop.call_soon_threadsafe(submit, meta, body)
                elif kind == EVENT:
                    deliver_event(body)
        except (EOFError, OSError):
            pass
        except Exception:
            log.exception("bulk lane channel failed")
        loop.call_soon_threadsafe(closed.set)

    bridge_bus(channel)
    async with app.router.lifespan_context(app):
        threading.Thread(target=read, name="bulk-lane-reader", daemon=True).start()
        channel.send(HELLO, {"pid": os.getpid()})
        await closed.wait()
        if tasks:
            await asyncio.wait(tasks, timeout=30)


def main(argv: list[str]) -> None:

    _die_with_parent()
    parent = os.getppid()
    db.run_checkpointer = False
    os.nice(BACK_NICENESS)
    sock = socket.socket(fileno=int(argv[0]))
    shared_fd = int(argv[1])
    if shared_fd >= 0:
        lane.watch(mmap.mmap(shared_fd, mmap.PAGESIZE))
    channel = Channel(sock)
    if os.getppid() != parent or parent == 1:  # the front died before PDEATHSIG was set
        return
    signal.signal(signal.SIGTERM, lambda *_: channel.close())
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C reaches the front, which stops us in order
    run: Callable[..., Any] = asyncio.run
    with contextlib.suppress(ImportError):
        import uvloop  # optional: asyncio otherwise

        run = uvloop.run
    started = time.monotonic()
    run(_serve(channel, argv[2]))
    log.info("bulk lane stopped", extra={"uptime_s": round(time.monotonic() - started, 1)})
