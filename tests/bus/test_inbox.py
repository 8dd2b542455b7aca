"""The live stream's inbox: events in order, a gap notice for what a stalled client missed, heartbeats, and
an SOS's event written to every stream of the worker before the SOS's own answer."""

from __future__ import annotations

import asyncio

from hifazat.platform import stream
from hifazat.platform.bus import Event, InProcessBus


async def _never() -> bool:
    return False


async def _take(chunks: object, n: int) -> list[bytes]:
    out: list[bytes] = []
    async for chunk in chunks:  # type: ignore[attr-defined]
        out.append(chunk)
        if len(out) == n:
            break
    return out


def test_events_in_order_then_a_gap_notice_for_what_overflowed() -> None:
    async def main() -> list[bytes]:
        inbox = stream.Inbox(limit=2)
        for n in range(4):
            inbox.put(b"e%d" % n)
        assert inbox.dropped == 2
        assert list(inbox.chunks) == [b"e0", b"e1"]
        return await _take(stream.sse_chunks(inbox, _never), 4)

    greeting, gap, *events = asyncio.run(main())
    assert greeting.startswith(b": connected")
    assert gap == b'event: gap\ndata: {"dropped":2}\n\n'
    assert events == [b"e0", b"e1"]


def test_silence_is_a_heartbeat_and_a_closed_client_ends_the_stream() -> None:
    closed = False

    async def disconnected() -> bool:
        return closed

    async def main() -> list[bytes]:
        nonlocal closed
        inbox = stream.Inbox()
        chunks = stream.sse_chunks(inbox, disconnected, heartbeat_s=0.01)
        first = await _take(chunks, 2)
        closed = True
        rest = [c async for c in chunks]
        return first + rest

    out = asyncio.run(main())
    assert out[1] == b": keep-alive\n\n"
    assert len(out) == 2


def test_an_event_wakes_a_waiting_stream_at_once() -> None:
    async def main() -> tuple[bool, float]:
        inbox = stream.Inbox()
        loop = asyncio.get_running_loop()
        loop.call_later(0.01, inbox.put, b"x")
        t0 = loop.time()
        got = await inbox.wait(5.0)
        return got, loop.time() - t0

    got, waited = asyncio.run(main())
    assert got
    assert waited < 1.0


def _order(answer_first_yields: bool) -> list[str]:
    """An SOS request publishing on the loop (as the inline urgent lane does) with two streams open."""

    async def main() -> list[str]:
        bus = InProcessBus()
        seen: list[str] = []
        inboxes = [stream.Inbox(), stream.Inbox()]
        for inbox in inboxes:
            bus.subscribe("*", lambda e, box=inbox: box.put(e.subject.encode()))

        async def reader(n: int) -> None:
            async for chunk in stream.sse_chunks(inboxes[n], _never):
                if chunk == b"alerts.changed":
                    seen.append(f"stream {n}")
                    return

        readers = [asyncio.create_task(reader(n)) for n in range(2)]
        await asyncio.sleep(0.01)  # both streams are waiting for events

        async def request() -> None:
            bus.publish(Event(id="e1", subject="alerts.changed", payload={}))  # after its commit
            if answer_first_yields:
                await stream.answer_after_streams()
            seen.append("answer")

        await request()
        await asyncio.wait_for(asyncio.gather(*readers), 5)
        return seen

    return asyncio.run(main())


def test_every_stream_writes_the_sos_before_its_answer() -> None:
    assert _order(True) == ["stream 0", "stream 1", "answer"]
    assert _order(False)[0] == "answer"  # what it guards against: without it, the answer goes first
