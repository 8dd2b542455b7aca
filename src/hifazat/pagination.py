"""Cursor pagination over time-ordered ids: stable under inserts, no offsets."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from hifazat.errors import invalid


def encode_cursor(last_id: str) -> str:
    return base64.urlsafe_b64encode(last_id.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, UnicodeDecodeError) as exc:
        raise invalid("cursor", "is not a cursor this API returned") from exc
    if not raw or len(raw) > 64:
        raise invalid("cursor", "is not a cursor this API returned")
    return raw


def paginate(
    session: Session, stmt: Select[Any], id_col: Any, limit: int, cursor: str | None
) -> tuple[Sequence[Any], str | None]:
    if cursor:
        stmt = stmt.where(id_col > decode_cursor(cursor))
    rows = session.scalars(stmt.order_by(id_col).limit(limit + 1)).all()
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, encode_cursor(str(getattr(rows[-1], id_col.key)))
    return rows, None
