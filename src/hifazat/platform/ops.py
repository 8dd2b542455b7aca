"""Operations endpoints and middleware: /healthz, /readyz, /metrics, request ids, access logs."""

from __future__ import annotations

import json
import logging
import time
import uuid
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import text
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hifazat import __version__
from hifazat.config import get_settings
from hifazat.core.errors import DATABASE_RETRY_AFTER_S, Problem, problem_response
from hifazat.platform.audit import keys
from hifazat.platform.bus import get_bus
from hifazat.platform.db import get_engine
from hifazat.platform.logs import request_id_var
from hifazat.platform.sqlite import bulk

log = logging.getLogger("hifazat.access")
router = APIRouter(tags=["ops"])

BULK_LANE_UP = Gauge("hifazat_bulk_lane_up", "1 while this worker's bulk lane answers, 0 while it (re)starts")
BULK_LANE_RESTARTS = Counter("hifazat_bulk_lane_restarts_total", "Bulk lanes of this worker that exited")
REQUESTS = Counter("hifazat_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "hifazat_http_request_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)


@router.get("/healthz")
async def healthz() -> dict[str, Any]:
    """Liveness: the process answers. On the event loop: a saturated thread pool is no sign of death."""
    return {"status": "ok", "version": __version__}


@router.get("/readyz", response_model=None)
def readyz(request: Request) -> dict[str, Any] | JSONResponse:
    """Readiness: the database answers a query, the bus is connected, the audit key ring can key a write.
    Otherwise 503 problem+json naming what is down, so balancers stop routing here and the operator knows
    where to look."""
    answer: dict[str, Any] = {"database": "ok", "bus": get_bus().health()}
    down: list[str] = []
    try:
        with get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        answer["database"] = "error"
        down.append(f"the database does not answer ({type(exc).__name__})")
    if answer["bus"] != "ok":
        down.append(f"the event bus is {answer['bus']}")
    answer["audit_key"] = keys.health(get_settings().audit_key_path)
    if answer["audit_key"] == "unreadable":  # every audited write would fail
        down.append("the audit key ring cannot be read")
    if bulk.state is not None:  # a worker with its bulk lane: "ok", or "starting"/"restarting" meanwhile
        answer["bulk_lane"] = bulk.state
    if not down:
        return {"status": "ready", **answer}
    detail = "; ".join(down)
    log.warning("not ready", extra={"reason": detail})
    headers = {"Retry-After": str(DATABASE_RETRY_AFTER_S)}
    return problem_response(request, Problem(503, "Service Unavailable", detail, headers=headers, **answer))


@router.get("/metrics")
def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


class RequestContext:
    """Pure ASGI (no BaseHTTPMiddleware) so streaming responses pass through untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        incoming = headers.get(b"x-request-id", b"").decode("latin-1")[:64]
        rid = incoming if incoming and incoming.isprintable() else uuid.uuid4().hex
        token = request_id_var.set(rid)
        scope.setdefault("state", {})["request_id"] = rid
        started = time.perf_counter()
        status = 500
        response_started = False

        async def _send(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                message.setdefault("headers", []).append((b"x-request-id", rid.encode()))
            await send(message)

        try:
            await self.app(scope, receive, _send)
        except Exception:
            # Answered here rather than by Starlette's outermost handler so the 500 carries the request id.
            log.exception("unhandled error", extra={"path": scope.get("path")})
            if response_started:
                raise
            await _send_problem_500(_send, rid, str(scope.get("path", "")))
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            path = getattr(route, "path", None) or "unmatched"
            method = scope.get("method", "")
            REQUESTS.labels(method, path, str(status)).inc()
            LATENCY.labels(method, path).observe(elapsed)
            if not path.startswith(("/static", "/ingest", "/metrics", "/healthz")):
                log.info(
                    "request",
                    extra={
                        "method": method,
                        "path": scope.get("path"),
                        "client": client_host(scope),
                        "status": status,
                        "ms": round(elapsed * 1000, 2),
                    },
                )
            request_id_var.reset(token)


def client_host(scope: Scope) -> str | None:
    """The client's address as platform/forwarded.py resolved it (the peer unless via a trusted proxy)."""
    client = scope.get("client")
    return str(client[0]) if client else None


async def _send_problem_500(send: Send, rid: str, path: str) -> None:
    body = json.dumps(
        {
            "type": "https://hifazat.example/problems/internal-server-error",
            "title": "Internal Server Error",
            "status": 500,
            "detail": "an unexpected error occurred",
            "instance": path,
            "request_id": rid,
        }
    ).encode()
    headers = [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 500, "headers": headers})
    await send({"type": "http.response.body", "body": body})
