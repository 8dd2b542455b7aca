"""The NATS JetStream transport: cross-worker fan-out, durable storage, duplicate suppression."""

from __future__ import annotations

import asyncio
import os
import secrets

import pytest

from hifazat.platform.bus import Event
from hifazat.platform.bus_nats import NatsBus, decode, encode

NATS_URL = os.environ.get("HIFAZAT_TEST_NATS_URL", "nats://127.0.0.1:4222")


def test_codec_roundtrip() -> None:
    e = Event(
        id="a", subject="tracking.sos", payload={"x": 1, "s": "ü"}, at="2024-11-07T00:00:00Z", origin="w1"
    )
    assert decode(encode(e)) == e


@pytest.mark.integration
def test_two_workers_share_events_through_jetstream() -> None:
    async def scenario() -> None:
        tag = secrets.token_hex(4)
        kw = {"nats_url": NATS_URL, "stream": f"HIFAZAT_TEST_{tag}", "prefix": f"hifazattest{tag}."}
        a, b = NatsBus(**kw), NatsBus(**kw)  # type: ignore[arg-type]
        await a.start()
        await b.start()
        try:
            got_a: list[Event] = []
            got_b: list[Event] = []
            a.subscribe("tracking.*", got_a.append)
            b.subscribe("tracking.*", got_b.append)
            acked = asyncio.Event()
            event = Event(id=secrets.token_hex(8), subject="tracking.sos", payload={"device": "d1"})
            a.publish(event, on_ack=acked.set)
            a.publish(event)  # a relay retry: must not reach anyone twice
            await asyncio.wait_for(acked.wait(), 5)
            for _ in range(250):  # up to 5 s, as for the ack: once, on a loaded machine, 2 s were not enough
                if got_b:
                    break
                await asyncio.sleep(0.02)
            await asyncio.sleep(0.2)
            assert [e.id for e in got_a] == [event.id]
            assert [e.id for e in got_b] == [event.id]
            info = await a._js.stream_info(kw["stream"])
            assert info.state.messages == 1  # stored durably, once (Nats-Msg-Id dedupe)
            await a._js.delete_stream(kw["stream"])
        finally:
            await a.stop()
            await b.stop()

    asyncio.run(scenario())


@pytest.mark.integration
def test_unreachable_nats_fails_loudly() -> None:
    async def scenario() -> None:
        bus = NatsBus(nats_url="nats://127.0.0.1:1")  # nothing listens on port 1
        with pytest.raises(Exception):  # noqa: B017, PT011  (whatever the client raises, it must raise)
            await asyncio.wait_for(bus.start(), 3)

    asyncio.run(scenario())


@pytest.mark.integration
def test_health_says_whether_the_bus_reaches_nats() -> None:
    async def scenario() -> None:
        tag = secrets.token_hex(4)
        bus = NatsBus(nats_url=NATS_URL, stream=f"HIFAZAT_TEST_{tag}", prefix=f"hifazattest{tag}.")
        assert bus.health() == "not connected"  # /readyz of a worker whose bus never started: not ready
        await bus.start()
        try:
            assert bus.health() == "ok"
            await bus._js.delete_stream(f"HIFAZAT_TEST_{tag}")
        finally:
            await bus.stop()
        assert bus.health() == "not connected"

    asyncio.run(scenario())
