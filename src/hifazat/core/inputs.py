"""Request-wide input hygiene that no single schema can promise.

PostgreSQL text cannot hold NUL characters (SQLite can), so a NUL anywhere in a path, query or body would
otherwise pass validation and fail deep in the database as a 500 on one backend only. One app-level
dependency refuses it up front, naming the field, on both backends alike.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request

from hifazat.core.errors import invalid

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
REASON = "must not contain NUL (\\u0000) characters"


def _nul_path(value: Any, path: str = "") -> str | None:
    """Dotted path of the first string (or key) holding a NUL, else None."""
    if isinstance(value, str):
        return (path or "body") if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                return here
            found = _nul_path(item, here)
            if found:
                return found
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = _nul_path(item, f"{path}.{i}" if path else str(i))
            if found:
                return found
    return None


async def reject_nul(request: Request) -> None:
    if "\x00" in request.scope.get("path", ""):
        raise invalid("path", REASON)
    query: bytes = request.scope.get("query_string", b"")
    if b"\x00" in query or b"%00" in query.lower():
        field = next((k for k, v in request.query_params.multi_items() if "\x00" in k + v), "query")
        raise invalid(field, REASON)
    if request.method not in WRITE_METHODS:
        return
    ctype = request.headers.get("content-type", "")
    if "form" in ctype:
        form = await request.form()  # FastAPI parsed it already: this is the cached form
        for key, value in form.multi_items():
            if isinstance(value, str) and "\x00" in key + value:
                raise invalid(key.replace("\x00", "") or "body", REASON)
        return
    body = await request.body()  # cached on the request by FastAPI's own body parsing
    if b"\\u0000" not in body and b"\x00" not in body:
        return  # the common case costs one scan of the bytes
    try:
        where = _nul_path(json.loads(body))
    except ValueError:
        return  # not JSON: the route's own validation answers
    if where:
        raise invalid(where, REASON)
