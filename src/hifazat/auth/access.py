"""Scoped reads: a select limited to what the caller may see, and one row with the caller's view of it."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from hifazat.auth.policy import Principal, View, scope, view_of
from hifazat.core.errors import forbidden, not_found
from hifazat.core.scope import ScopedColumns

T = TypeVar("T", bound=ScopedColumns)


def visible_select(model: type[T], kind: str, principal: Principal) -> Select[Any]:
    stmt = select(model).where(scope(model, kind, principal))
    if hasattr(model, "deleted_at"):
        stmt = stmt.where(model.deleted_at.is_(None))  # type: ignore[attr-defined]
    return stmt


def get_visible(
    session: Session,
    model: type[T],
    kind: str,
    entity_id: str,
    principal: Principal,
    *,
    for_write: bool = False,
) -> tuple[T, View]:
    """The row and how the caller sees it. Absent, deleted, or not visible: the same 404."""
    row = session.get(model, entity_id)
    if row is None or getattr(row, "deleted_at", None) is not None:
        raise not_found(kind.rstrip("s"))
    view = view_of(row, kind, principal)
    if view is None:
        raise not_found(kind.rstrip("s"))
    if for_write and not view.writable:
        raise forbidden(f"this {kind.rstrip('s')} belongs to another agency; you may read it, not change it")
    return row, view
