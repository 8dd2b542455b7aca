"""Operations: health, readiness, metrics, request ids, JSON logs, problem+json for every error."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hifazat.config import Settings, reset_settings
from hifazat.platform.db import dispose_engines, unit_of_work
from hifazat.platform.logs import JsonFormatter
from hifazat.registry.models import Site

PASSWORD = "correct-horse-battery"
SITE = {
    "name": "Ops Site",
    "kind": "office",
    "geometry": {"type": "Point", "coordinates": [73.05, 33.7]},
    "radius_m": 80,
    "province": "PK-IS",
}


@pytest.fixture
def logs() -> Iterator[io.StringIO]:
    buf = io.StringIO()
    handler = logging.StreamHandler(buf)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield buf
    finally:
        root.removeHandler(handler)


def _token(client: TestClient) -> dict[str, str]:
    r = client.post("/api/v1/auth/token", data={"username": "admin", "password": PASSWORD})
    assert r.status_code == 200
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _problem(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = r.json()
    assert body["status"] == status
    assert body["title"]
    assert body["type"].startswith("https://")
    assert body["request_id"] == r.headers["x-request-id"]
    return body


def test_healthz_and_readyz(client: TestClient) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"
    r = client.get("/readyz")
    assert r.status_code == 200
    assert r.json() == {"status": "ready", "database": "ok", "bus": "ok", "audit_key": "ok"}


def test_readyz_names_an_audit_key_ring_no_write_could_use(
    client: TestClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hifazat.platform.audit import keys

    settings.audit_key_path.write_text("not a key\n")
    monkeypatch.setattr(keys, "_cache", {})  # a worker that has not read the ring yet
    body = _problem(client.get("/readyz"), 503)
    assert body["audit_key"] == "unreadable"
    assert "the audit key ring cannot be read" in body["detail"]


def test_readyz_names_a_bus_that_is_down(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from hifazat.platform.bus import get_bus

    monkeypatch.setattr(type(get_bus()), "health", lambda _self: "reconnecting")
    body = _problem(client.get("/readyz"), 503)
    assert body["bus"] == "reconnecting"
    assert body["database"] == "ok"
    assert "the event bus is reconnecting" in body["detail"]


def test_readyz_503_when_database_unreachable(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from hifazat.app import create_app

    monkeypatch.setenv(
        "HIFAZAT_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:9/nowhere?connect_timeout=2"
    )
    reset_settings()
    dispose_engines()
    app = create_app()
    client = TestClient(app, raise_server_exceptions=False)  # no lifespan: nothing else touches the database
    r = client.get("/readyz")
    body = _problem(r, 503)
    assert body["title"] == "Service Unavailable"
    assert body["database"] == "error"
    assert "the database does not answer" in body["detail"]
    assert r.headers["retry-after"] == "5"
    assert client.get("/healthz").status_code == 200  # liveness does not depend on the database
    assert "x-request-id" in r.headers


def test_metrics_is_prometheus_text(client: TestClient) -> None:
    client.get("/healthz")
    client.get("/api/v1/me")
    r = client.get("/metrics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/plain")
    text = r.text
    assert "# TYPE hifazat_http_requests_total counter" in text
    assert 'hifazat_http_requests_total{method="GET",route="/api/v1/me",status="401"}' in text
    assert "hifazat_http_request_seconds_bucket" in text


def test_every_response_has_a_request_id(client: TestClient) -> None:
    ids = set()
    for method, path in (
        ("GET", "/healthz"),
        ("GET", "/api/v1/me"),
        ("GET", "/nope"),
        ("DELETE", "/healthz"),
    ):
        r = client.request(method, path)
        assert len(r.headers["x-request-id"]) >= 16
        ids.add(r.headers["x-request-id"])
    assert len(ids) == 4
    r = client.get("/healthz", headers={"X-Request-ID": "trace-me-123"})
    assert r.headers["x-request-id"] == "trace-me-123"
    r = client.get("/healthz", headers={"X-Request-ID": "bad\x01id"})
    assert r.headers["x-request-id"] != "bad\x01id"


def test_logs_are_json_lines_with_request_id(client: TestClient, logs: io.StringIO) -> None:
    r = client.get("/api/v1/me", headers={"X-Request-ID": "log-check-1"})
    assert r.status_code == 401
    lines = [json.loads(line) for line in logs.getvalue().splitlines() if line.strip()]
    assert lines, "nothing was logged"
    access = [entry for entry in lines if entry.get("request_id") == "log-check-1"]
    assert access
    assert access[-1]["path"] == "/api/v1/me"
    assert access[-1]["status"] == 401
    for entry in lines:
        assert {"ts", "level", "logger", "msg"} <= set(entry)


def test_404_and_405_are_problems(client: TestClient) -> None:
    body = _problem(client.get("/api/v1/does-not-exist"), 404)
    assert body["title"] == "Not Found"
    r = client.put("/healthz")
    body = _problem(r, 405)
    assert body["title"] == "Method Not Allowed"
    assert "GET" in r.headers["allow"]


def test_validation_problem_names_field_and_reason(client: TestClient) -> None:
    h = _token(client)
    body = _problem(client.get("/api/v1/persons?limit=0", headers=h), 422)
    assert body["errors"][0]["field"] == "limit"
    assert body["errors"][0]["reason"]
    body = _problem(client.post("/api/v1/sites", headers=h, content=b"{not json"), 422)
    assert body["errors"]


def test_unhandled_exception_is_a_500_problem_without_trace(settings: Settings, initialised: Any) -> None:
    from hifazat.app import create_app

    app = create_app()  # (re)configures logging: attach the capture after it
    logs = io.StringIO()
    capture = logging.StreamHandler(logs)
    capture.setFormatter(JsonFormatter())
    logging.getLogger().addHandler(capture)

    def boom() -> None:
        raise RuntimeError("secret internal detail")

    app.add_api_route("/boom", boom)
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.get("/boom")
    logging.getLogger().removeHandler(capture)
    body = _problem(r, 500)
    assert body["detail"] == "an unexpected error occurred"
    assert "secret internal detail" not in r.text
    assert "Traceback" not in r.text
    # The trace goes to the log, with the request id, not to the client.
    entries = [json.loads(line) for line in logs.getvalue().splitlines() if line.strip()]
    errors = [e for e in entries if e["level"] == "error"]
    assert errors
    assert errors[0]["request_id"] == body["request_id"]
    assert "secret internal detail" in errors[0]["exc"]


@pytest.mark.parametrize(("exc", "status"), [(RuntimeError("disk on fire"), 500), (None, 409)])
def test_failed_commit_never_answers_2xx(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, exc: Exception | None, status: int
) -> None:
    """The request's transaction commits before the response leaves; if the commit fails the client knows."""
    h = _token(client)
    real_commit = Session.commit
    err = exc or IntegrityError("INSERT", {}, Exception("duplicate key"))

    def failing_commit(self: Session) -> None:
        raise err

    monkeypatch.setattr(Session, "commit", failing_commit)
    r = client.post("/api/v1/sites", headers=h, json=SITE)
    monkeypatch.setattr(Session, "commit", real_commit)
    _problem(r, status)
    with unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(Site)) == 0
    assert client.get("/api/v1/sites", headers=h).json()["items"] == []
    assert client.post("/api/v1/sites", headers=h, json=SITE).status_code == 201


def test_a_database_outage_is_a_503_with_one_log_line(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, logs: io.StringIO
) -> None:
    from sqlalchemy.exc import OperationalError

    h = _token(client)

    def lost(*_args: Any, **_kwargs: Any) -> Any:
        raise OperationalError("SELECT 1", {}, ConnectionError("server closed the connection unexpectedly"))

    monkeypatch.setattr(Session, "execute", lost)
    monkeypatch.setattr(Session, "scalars", lost)
    r = client.get("/api/v1/agencies", headers=h)
    body = _problem(r, 503)
    assert body["detail"] == "the database is unavailable; retry shortly"
    assert r.headers["retry-after"] == "5"
    lines = [json.loads(x) for x in logs.getvalue().splitlines()]
    failed = [x for x in lines if x["msg"] == "request failed: database unavailable"]
    assert len(failed) == 1
    assert failed[0]["error"] == "ConnectionError: server closed the connection unexpectedly"
    assert "Traceback" not in logs.getvalue()


def test_log_failure_traces_only_what_is_not_an_outage(
    logs: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import InterfaceError

    from hifazat.core import errors
    from hifazat.core.errors import log_failure

    monkeypatch.setattr(errors, "_last_outage_line", {})
    probe = logging.getLogger("hifazat.test.probe")
    probe.setLevel(logging.INFO)  # a logger of this test only; the quiet repeat (DEBUG) is not written
    log_failure(probe, "tick failed", InterfaceError("SELECT 1", {}, ConnectionError("gone")))
    log_failure(probe, "tick failed", InterfaceError("SELECT 1", {}, ConnectionError("gone")))  # quiet now
    lost = psycopg.OperationalError("the connection is lost")  # a raw cursor's
    log_failure(probe, "tick failed", lost, repeat_after_s=0)
    assert "Traceback" not in logs.getvalue()
    try:
        raise ValueError("a bug")
    except ValueError as exc:
        log_failure(probe, "tick failed", exc)
    lines = [json.loads(x) for x in logs.getvalue().splitlines()]
    outage = "tick failed: database unavailable"
    assert [x["msg"] for x in lines] == [outage, outage, "tick failed"]
    assert lines[1]["error"] == "OperationalError: the connection is lost"
    assert "ValueError: a bug" in logs.getvalue()
