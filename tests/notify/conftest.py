"""Notify fixtures: an SMTP server (aiosmtpd), a webhook receiver that verifies and dedupes, settings."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from hifazat.config import Settings, get_settings, reset_settings
from hifazat.notify.channels.webhook import verify
from tests.conftest import free_port


@dataclass
class SmtpSink:
    host: str
    port: int
    messages: list[Any] = field(default_factory=list)
    fail_next: int = 0
    cond: threading.Condition = field(default_factory=threading.Condition)

    def wait_for(self, n: int, timeout: float = 10.0) -> list[Any]:
        with self.cond:
            assert self.cond.wait_for(lambda: len(self.messages) >= n, timeout), self.messages
            return list(self.messages)


class _SmtpHandler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        from email import message_from_bytes, policy

        with self.sink.cond:
            if self.sink.fail_next > 0:
                self.sink.fail_next -= 1
                return "451 try again later"
            msg = message_from_bytes(envelope.content, policy=policy.default)
            self.sink.messages.append((list(envelope.rcpt_tos), msg))
            self.sink.cond.notify_all()
        return "250 OK"


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink("127.0.0.1", free_port())
    controller = Controller(_SmtpHandler(sink), hostname=sink.host, port=sink.port)
    controller.start()
    yield sink
    controller.stop()


@dataclass
class Receiver:
    """A webhook receiver as a partner would write one: verify, reject replays, dedupe by Idempotency-Key."""

    url: str
    secret: str = "receiver-secret-0123456789"
    fail_first: int = 0  # answer 503 to this many requests first
    status_always: int | None = None  # answer this status to every request (permanent failure)
    delay_s: float = 0.0  # hold each request this long before answering (slow receiver)
    requests: list[dict[str, Any]] = field(default_factory=list)
    processed: dict[str, int] = field(default_factory=dict)  # idempotency key -> times processed (1)
    rejected: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)  # keys that arrived again after processing
    bodies: dict[str, Any] = field(default_factory=dict)
    cond: threading.Condition = field(default_factory=threading.Condition)

    def wait_processed(self, n: int, timeout: float = 15.0) -> dict[str, int]:
        with self.cond:
            assert self.cond.wait_for(lambda: len(self.processed) >= n, timeout), (
                self.processed,
                self.rejected,
            )
            return dict(self.processed)


def _handler(rec: Receiver) -> type[BaseHTTPRequestHandler]:
    class H(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return

        def do_POST(self) -> None:
            import json
            import time

            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            ts = self.headers.get("X-Hifazat-Timestamp", "")
            sig = self.headers.get("X-Hifazat-Signature", "")
            key = self.headers.get("Idempotency-Key", "")
            with rec.cond:
                host = self.headers.get("Host", "")
                rec.requests.append({"key": key, "ts": ts, "sig": sig, "body": body, "host": host})
                fail = rec.fail_first > 0
                if fail:
                    rec.fail_first -= 1
            if rec.delay_s:
                time.sleep(rec.delay_s)
            if not verify(rec.secret, ts, body, sig, time.time()):
                with rec.cond:
                    rec.rejected.append(key)
                self._answer(401)
                return
            if rec.status_always is not None:
                self._answer(rec.status_always)
                return
            if fail:
                self._answer(503)
                return
            with rec.cond:
                if key in rec.processed:
                    rec.duplicates.append(key)  # seen before: acknowledge, never process twice
                else:
                    rec.processed[key] = 1
                    rec.bodies[key] = json.loads(body)
                rec.cond.notify_all()
            self._answer(200)

        def _answer(self, status: int) -> None:
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

    return H


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # a burst of concurrent sends must not be refused
    daemon_threads = True


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    port = free_port()
    rec = Receiver(url=f"http://127.0.0.1:{port}/hook")
    server = _Server(("127.0.0.1", port), _handler(rec))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield rec
    server.shutdown()
    server.server_close()


@pytest.fixture
def notify_env(settings: Settings, monkeypatch: pytest.MonkeyPatch, smtp_sink: SmtpSink) -> Settings:
    """Fast retries, a local SMTP server, and loopback allowed for webhooks as an operator would allow an
    internal receiver: the test receivers listen on 127.0.0.1 (test_webhook_targets.py runs without it)."""
    monkeypatch.setenv("HIFAZAT_WEBHOOK_ALLOW", '["127.0.0.1"]')
    monkeypatch.setenv("HIFAZAT_SMTP_HOST", smtp_sink.host)
    monkeypatch.setenv("HIFAZAT_SMTP_PORT", str(smtp_sink.port))
    monkeypatch.setenv("HIFAZAT_NOTIFY_BACKOFF_BASE_SECONDS", "0.05")
    monkeypatch.setenv("HIFAZAT_NOTIFY_BACKOFF_MAX_SECONDS", "0.2")
    monkeypatch.setenv("HIFAZAT_NOTIFY_SEND_TIMEOUT_SECONDS", "5")
    monkeypatch.setenv("HIFAZAT_NOTIFY_WORKER", "false")
    reset_settings()
    return get_settings()


@dataclass
class Org:
    """Two agencies under the ministry with an admin and an operator each, written straight to the database
    (no password hashing, no logins): fast, for service-level tests."""

    root_id: str
    agency: dict[str, str] = field(default_factory=dict)
    users: dict[str, str] = field(default_factory=dict)


@pytest.fixture
def org(initialised: Any) -> Org:
    from hifazat.auth.models import Agency, User
    from hifazat.platform.db import unit_of_work

    o = Org(root_id=initialised.agency_id)
    with unit_of_work() as s:
        for key in ("police", "psc"):
            a = Agency(name=f"Agency {key}", kind="other", parent_id=o.root_id, jurisdiction=[])
            s.add(a)
            s.flush()
            o.agency[key] = a.id
            for role in ("admin", "operator"):
                u = User(
                    username=f"{key}-{role}",
                    full_name=f"{key} {role}",
                    agency_id=a.id,
                    roles=[role],
                    password_hash="!unusable",
                )
                s.add(u)
                s.flush()
                o.users[u.username] = u.id
    return o
