"""Cursor pagination over time-ordered ids: stable under inserts, no offsets."""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import Session

from hifazat.core.errors import invalid

# A version tag inside the opaque cursor: anything this API did not hand out is rejected, not guessed at.
_TAG = "c1:"
_KEY = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")


def encode_cursor(last_id: str) -> str:
    return base64.urlsafe_b64encode((_TAG + last_id).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    """The key inside a cursor; a problem naming the field `cursor` for anything else."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = base64.b64decode(padded.encode("ascii"), altchars=b"-_", validate=True).decode()
    except (ValueError, UnicodeError) as exc:
        raise invalid("cursor", "is not a cursor this API returned") from exc
    key = raw.removeprefix(_TAG)
    if not raw.startswith(_TAG) or not _KEY.match(key):
        raise invalid("cursor", "is not a cursor this API returned")
    return key


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
