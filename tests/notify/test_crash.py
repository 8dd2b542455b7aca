"""Reliability: SIGKILL `hifazat serve` mid-delivery, start it again — every notification arrives at the
receiver, and the receiver (deduping by Idempotency-Key) never processes one twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from hifazat.config import Settings
from hifazat.notify import service
from hifazat.notify.models import Delivery
from hifazat.notify.schemas import Recipient
from hifazat.platform.db import unit_of_work
from tests.conftest import free_port
from tests.notify.conftest import Org, Receiver
from tests.notify.helpers import add_webhook

N = 60  # more than one claim batch (50), so some deliveries were never claimed when the worker dies


def _serve(tmp: Path, name: str) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env.update(
        HIFAZAT_NOTIFY_WORKER="true",
        HIFAZAT_NOTIFY_LEASE_SECONDS="3",
        HIFAZAT_NOTIFY_SEND_TIMEOUT_SECONDS="2",
        HIFAZAT_NOTIFY_POLL_SECONDS="0.2",
        HIFAZAT_LOG_LEVEL="WARNING",
    )
    log = open(tmp / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process below
    return subprocess.Popen(
        [sys.executable, "-m", "hifazat.cli", "serve", "--port", str(free_port())],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


@pytest.fixture
def procs() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for p in started:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)


def _states() -> dict[str, int]:
    with unit_of_work(readonly=True) as s:
        out: dict[str, int] = {}
        for status in s.scalars(select(Delivery.status)):
            out[status] = out.get(status, 0) + 1
        return out


@pytest.mark.slow
def test_sigkill_mid_delivery_loses_nothing_and_duplicates_nothing(
    org: Org, notify_env: Settings, receiver: Receiver, procs: list[subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    receiver.delay_s = 0.8  # slow: the worker is killed while requests are in flight
    hook = add_webhook(org.agency["police"], receiver.url, receiver.secret)
    keys = set()
    with unit_of_work() as s:
        for i in range(N):
            rows = service.enqueue(
                s,
                ref_kind="alert",
                ref_id=f"crash-{i}",
                topic="alert",
                payload={"id": f"crash-{i}", "agency_id": org.agency["police"], "severity": "critical"},
                recipients=[Recipient(webhook_id=hook)],
                reason="raised",
            )
            keys.update(d.idempotency_key for d in rows)
    assert len(keys) == N

    first = _serve(tmp_path, "first")
    procs.append(first)
    deadline = time.monotonic() + 60
    while not receiver.requests:  # wait for the first send to reach the receiver
        assert first.poll() is None, (tmp_path / "first.log").read_text()
        assert time.monotonic() < deadline, "worker never sent"
        time.sleep(0.02)
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    before = _states()
    assert before.get("delivered", 0) < N, before  # it really died mid-delivery
    assert before.get("sending", 0) > 0, before  # with claimed rows under a lease

    second = _serve(tmp_path, "second")
    procs.append(second)
    deadline = time.monotonic() + 90
    while _states().get("delivered", 0) < N:
        assert second.poll() is None, (tmp_path / "second.log").read_text()
        assert time.monotonic() < deadline, _states()
        time.sleep(0.1)

    processed = receiver.wait_processed(N)
    assert set(processed) == keys  # every notification arrived, none under a new key
    assert all(n == 1 for n in processed.values())
    # Sends the first worker started were resent after its lease ran out; the receiver recognised them.
    assert set(receiver.duplicates) <= keys
    # A request cut off by the kill arrives with a truncated body: its signature fails and it is refused.
    assert set(receiver.rejected) <= keys
    with unit_of_work(readonly=True) as s:
        rows = list(s.scalars(select(Delivery)))
    assert all(d.status == "delivered" and d.locked_until is None for d in rows)
    assert max(d.attempts for d in rows) >= 2  # the killed attempts were counted and retried
