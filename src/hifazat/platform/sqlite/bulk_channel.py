"""The socket pair between a worker's front and its bulk-lane back (`bulk.py`): frames both ways, bus events
bridged over it with the in-process bus, and the problem answer either side renders itself."""

from __future__ import annotations

import contextlib
import queue
import socket
import struct
import threading
from typing import Any

import orjson
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from hifazat.core.errors import Problem, problem_response

# Frames: kind (1 byte), meta length, body length (4 bytes each, big-endian), meta (JSON), body (bytes).
_HEAD = struct.Struct(">cII")
HELLO, REQUEST, RESPONSE, EVENT = b"H", b"Q", b"R", b"E"


class Channel:
    """One end of the socket pair: frames out from any thread (serialised), frames in on one reader."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._lock = threading.Lock()
        self.events: queue.SimpleQueue[Any] | None = None  # bus events waiting for `bridge_bus`'s thread

    def send(self, kind: bytes, meta: dict[str, Any], body: bytes = b"") -> None:
        head = orjson.dumps(meta)
        with self._lock:
            self.sock.sendall(_HEAD.pack(kind, len(head), len(body)) + head + body)

    def _exactly(self, n: int) -> bytes:
        chunks, left = [], n
        while left:
            chunk = self.sock.recv(min(left, 1 << 20))
            if not chunk:
                raise EOFError
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def receive(self) -> tuple[bytes, dict[str, Any], bytes]:
        kind, meta_len, body_len = _HEAD.unpack(self._exactly(_HEAD.size))
        meta = orjson.loads(self._exactly(meta_len))
        return kind, meta, self._exactly(body_len) if body_len else b""

    def close(self) -> None:
        if self.events is not None:
            self.events.put(None)  # its writer thread ends
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()


def bridge_bus(channel: Channel) -> None:
    """With the in-process bus, what this process publishes is also sent to the other one: by a thread of
    its own, so a publisher (the SOS's thread, right after its commit) never waits on the socket."""
    # bus_nats loads the NATS client: only a lane that starts needs it
    from hifazat.platform.bus import get_bus
    from hifazat.platform.bus_nats import encode

    bus = get_bus()
    if bus.name != "inprocess":
        return
    out: queue.SimpleQueue[Any] = queue.SimpleQueue()
    channel.events = out

    def write() -> None:
        while (event := out.get()) is not None:
            try:
                channel.send(EVENT, {}, encode(event))
            except OSError:
                return  # the other side is gone; a new one starts afresh with a new channel

    threading.Thread(target=write, name="bulk-lane-events", daemon=True).start()
    bus.peer = out.put


def deliver_event(body: bytes) -> None:
    # bus_nats loads the NATS client: only a lane that runs needs it
    from hifazat.platform.bus import get_bus
    from hifazat.platform.bus_nats import decode

    get_bus().deliver_local(decode(body))


async def answer_problem(scope: Scope, receive: Receive, send: Send, problem: Problem) -> None:
    """A problem+json answer rendered here as the app renders one (the front's: the back never saw the
    request; the back's when its app raised)."""
    await problem_response(Request(scope), problem)(scope, receive, send)
