"""RFC 9457 problem+json for every error the API returns."""

from __future__ import annotations

import logging
import time
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM = "application/problem+json"
TYPE_BASE = "https://hifazat.example/problems/"
log = logging.getLogger("hifazat.core.errors")
# How long a client should wait before retrying while the database cannot be reached.
DATABASE_RETRY_AFTER_S = 5


class Problem(Exception):
    """Raise from anywhere below a router; the handler renders it as problem+json."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        *,
        type_: str | None = None,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.type = type_ or TYPE_BASE + title.lower().replace(" ", "-")
        self.errors = errors
        self.headers = headers
        self.extra = extra


def not_found(kind: str = "resource") -> Problem:
    # The same answer for "absent" and "not yours": existence is not leaked across agencies.
    return Problem(404, "Not Found", f"{kind} not found")


def forbidden(detail: str = "your role does not allow this") -> Problem:
    return Problem(403, "Forbidden", detail)


def invalid(field: str, reason: str, status: int = 422) -> Problem:
    return Problem(
        status,
        "Validation Failed",
        f"{field}: {reason}",
        type_=TYPE_BASE + "validation",
        errors=[{"field": field, "reason": reason}],
    )


def conflict(detail: str, field: str | None = None) -> Problem:
    errors = [{"field": field, "reason": detail}] if field else None
    return Problem(409, "Conflict", detail, errors=errors)


def illegal_move(noun: str, action: str, current: str, allowed: list[str]) -> Problem:
    """409 for a lifecycle move the record's state does not admit, naming the moves it does ("an alert")."""
    return Problem(
        409,
        "Conflict",
        f"cannot {action} {noun} that is {current}"
        + (f"; allowed now: {', '.join(allowed)}" if allowed else "; it admits no action now"),
        errors=[{"field": "status", "reason": f"{noun.split(' ', 1)[1]} is {current}"}],
        current_state=current,
        allowed_actions=allowed,
    )


def database_unavailable(exc: BaseException) -> bool:
    """The database could not be reached, lost the connection or refused the work for now (a pool
    exhausted, a lock timeout): an outage to wait out, not a bug to trace."""
    if isinstance(exc, OperationalError | InterfaceError | PoolTimeout):
        return True
    # Raw driver errors, from code that uses the driver's cursor directly (tracking's bulk writes).
    if isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def _reason(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    lines = str(orig).strip().splitlines()
    return f"{type(orig).__name__}: {lines[0][:200] if lines else ''}"


_last_outage_line: dict[tuple[str, str], float] = {}


def log_failure(
    logger: logging.Logger, message: str, exc: BaseException, *, repeat_after_s: float = 30.0, **extra: Any
) -> None:
    """One line for an outage, never a traceback (every request or tick during one would repeat the
    same); a full traceback for anything else. A loop failing every second says so again only after
    `repeat_after_s` (DEBUG in between); each failed request passes 0, its line being its own."""
    if not database_unavailable(exc):
        logger.error(message, exc_info=exc, extra=extra)
        return
    key, now = (logger.name, message), time.monotonic()
    quiet = now - _last_outage_line.get(key, -repeat_after_s) < repeat_after_s
    if not quiet:
        _last_outage_line[key] = now
    level = logging.DEBUG if quiet else logging.WARNING
    logger.log(level, f"{message}: database unavailable", extra={**extra, "error": _reason(exc)})


def database_problem() -> Problem:
    return Problem(
        503,
        "Service Unavailable",
        "the database is unavailable; retry shortly",
        headers={"Retry-After": str(DATABASE_RETRY_AFTER_S)},
    )


def problem_response(request: Request, p: Problem) -> JSONResponse:
    body: dict[str, Any] = {"type": p.type, "title": p.title, "status": p.status}
    if p.detail:
        body["detail"] = p.detail
    body["instance"] = request.url.path
    if p.errors is not None:
        body["errors"] = p.errors
    body.update(p.extra)
    rid = getattr(request.state, "request_id", None)
    if rid:
        body["request_id"] = rid
    return JSONResponse(body, status_code=p.status, media_type=PROBLEM, headers=p.headers)


def _field_of(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(x) for x in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie", "form"}:
        parts = parts[1:]
    return ".".join(parts) or "body"


def install(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = []
        for err in exc.errors():
            reason = str(err.get("msg", "invalid"))
            reason = reason.removeprefix("Value error, ")
            errors.append({"field": _field_of(err.get("loc", ())), "reason": reason})
        detail = "; ".join(f"{e['field']}: {e['reason']}" for e in errors)
        p = Problem(422, "Validation Failed", detail, type_=TYPE_BASE + "validation", errors=errors)
        return problem_response(request, p)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {
            400: "Bad Request",
            401: "Unauthorized",
            403: "Forbidden",
            404: "Not Found",
            405: "Method Not Allowed",
            409: "Conflict",
            413: "Payload Too Large",
            429: "Too Many Requests",
        }
        title = titles.get(exc.status_code, "Error")
        detail = exc.detail if isinstance(exc.detail, str) else None
        p = Problem(exc.status_code, title, detail, headers=dict(exc.headers or {}))
        return problem_response(request, p)

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        # Services check uniqueness first; this catches the race two concurrent writers can still lose.
        log.warning("integrity error", extra={"path": request.url.path, "error": type(exc.orig).__name__})
        return problem_response(
            request, Problem(409, "Conflict", "the change conflicts with the current state of the records")
        )

    @app.exception_handler(DBAPIError)
    @app.exception_handler(PoolTimeout)
    @app.exception_handler(psycopg.OperationalError)
    @app.exception_handler(psycopg.InterfaceError)
    async def _database(request: Request, exc: Exception) -> JSONResponse:
        # Registered by class (unlike Exception), so the answer is final: nothing re-raises it to the
        # server, which would log a traceback for every request the outage touches.
        log_failure(log, "request failed", exc, repeat_after_s=0, path=request.url.path)
        if database_unavailable(exc):
            return problem_response(request, database_problem())
        return problem_response(
            request, Problem(500, "Internal Server Error", "an unexpected error occurred")
        )

    @app.exception_handler(Exception)
    async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", extra={"path": request.url.path})
        return problem_response(
            request, Problem(500, "Internal Server Error", "an unexpected error occurred")
        )
