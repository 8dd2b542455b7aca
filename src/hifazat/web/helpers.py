"""Query-parameter helpers every page shares (they know no domain)."""

from __future__ import annotations

from fastapi import Request

MAX_Q = 100
MAX_CURSOR = 200
PAGE_SIZE = 50


def param(request: Request, name: str, limit: int = 64) -> str | None:
    """A query parameter, stripped and cut to `limit` characters; None when absent or blank."""
    value = request.query_params.get(name, "").strip()
    return value[:limit] or None


def page_size(request: Request) -> int:
    """`limit` clamped to 1..200; the default page size when absent or not a number."""
    raw = request.query_params.get("limit", "")
    return max(1, min(int(raw), 200)) if raw.isdigit() else PAGE_SIZE
