"""Users of an agency: creation, changes (a new password or deactivation revokes their tokens), removal."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from hifazat.auth.models import AccessToken, Agency, User
from hifazat.auth.policy import (
    Principal,
    can_administer,
    require,
)
from hifazat.auth.schemas import UserIn
from hifazat.core.db import utcnow
from hifazat.core.errors import conflict, forbidden, invalid, not_found
from hifazat.core.like import ESCAPE, contains_ci, escape_like
from hifazat.platform.audit.writes import audited_create, audited_delete, audited_update
from hifazat.security.passwords import hash_password


def create_user(session: Session, *, data: UserIn, principal: Principal) -> User:
    require(principal, "users", "write")
    agency = session.get(Agency, data.agency_id)
    if agency is None or agency.deleted_at is not None:
        raise invalid("agency_id", "no such agency")
    if not can_administer(principal, agency.id):
        raise forbidden("you may only create users in your own agency or those below it")
    if session.scalar(select(User.id).where(func.lower(User.username) == data.username)) is not None:
        raise conflict(f"user name {data.username!r} is taken", field="username")
    fields = data.model_dump(mode="json", exclude={"password"})
    row = User(**fields, password_hash=hash_password(data.password))
    return audited_create(session, row, kind="users", principal=principal)


def get_user(session: Session, user_id: str, principal: Principal) -> User:
    row = session.get(User, user_id)
    if row is None or row.deleted_at is not None:
        raise not_found("user")
    if row.id != principal.user_id and (
        not can_administer(principal, row.agency_id) or not principal.has("admin", "auditor")
    ):
        raise not_found("user")
    return row


def update_user(session: Session, *, user_id: str, changes: dict[str, Any], principal: Principal) -> User:
    require(principal, "users", "write")
    row = get_user(session, user_id, principal)
    if row.id == principal.user_id and (
        ("roles" in changes and "admin" not in (changes["roles"] or [])) or changes.get("active") is False
    ):
        raise invalid("roles", "you cannot remove your own admin role or deactivate yourself")
    password = changes.pop("password", None)
    if password:
        changes["password_hash"] = hash_password(password)
        _revoke_all(session, row.id)
    if changes.get("active") is False:
        _revoke_all(session, row.id)
    # The hash is never logged: the entry says the password changed, so the write is not left unrecorded.
    also = {"password_changed": True} if password else None
    audited_update(session, row, changes, kind="users", principal=principal, also=also)
    return row


def _revoke_all(session: Session, user_id: str) -> None:
    now = utcnow()
    for tok in session.scalars(
        select(AccessToken).where(AccessToken.user_id == user_id, AccessToken.revoked_at.is_(None))
    ):
        tok.revoked_at = now


def delete_user(session: Session, *, user_id: str, principal: Principal) -> None:
    require(principal, "users", "write")
    row = get_user(session, user_id, principal)
    if row.id == principal.user_id:
        raise invalid("id", "you cannot delete yourself")
    _revoke_all(session, row.id)
    audited_delete(session, row, kind="users", principal=principal)


def user_query(principal: Principal, q: str | None, agency_id: str | None, role: str | None) -> Any:
    stmt = select(User).where(User.deleted_at.is_(None))
    if not principal.platform_admin:
        stmt = stmt.where(User.agency_id.in_(principal.tree))
    if q:
        stmt = stmt.where(or_(contains_ci(User.username, q), contains_ci(User.full_name, q)))
    if agency_id:
        stmt = stmt.where(User.agency_id == agency_id)
    if role:
        # roles is a JSON list; a LIKE on its text form works on SQLite and PostgreSQL alike.
        from sqlalchemy import String, cast

        pattern = f'%"{escape_like(role)}"%'  # a `%` or `_` in the role matches itself
        stmt = stmt.where(cast(User.roles, String).like(pattern, escape=ESCAPE))
    return stmt
