"""Login, tokens, and the agencies / users / sharing agreements behind them. Never commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from fastapi import Request
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from hifazat.auth import cache as auth_cache
from hifazat.auth.agreements import agreement_query, create_agreement, delete_agreement, get_agreement
from hifazat.auth.models import AccessToken, Agency, User
from hifazat.auth.policy import (
    WHOLE_COUNTRY,
    Principal,
    build_principal,
    can_administer,
    descendants,
    require,
)
from hifazat.auth.schemas import AgencyIn
from hifazat.auth.users import create_user, delete_user, get_user, update_user, user_query
from hifazat.config import get_settings
from hifazat.core.db import utcnow
from hifazat.core.errors import Problem, conflict, forbidden, invalid, not_found
from hifazat.core.like import contains_ci
from hifazat.platform.audit.writes import audited_action, audited_create, audited_delete, audited_update
from hifazat.security.passwords import verify_password
from hifazat.security.ratelimit import SlidingWindowLimiter
from hifazat.security.tokens import new_token, token_digest

login_ip_limiter = SlidingWindowLimiter(limit=30, window_seconds=60)
COOKIE = "hifazat_token"


@dataclass
class LoginResult:
    token: str | None
    expires_in: int
    user: User | None
    problem: Problem | None


def _unauthorized(detail: str = "wrong user name or password") -> Problem:
    return Problem(401, "Unauthorized", detail, headers={"WWW-Authenticate": "Bearer"})


def login(session: Session, *, username: str, password: str, client: str | None) -> LoginResult:
    """Check credentials, count failures, lock after too many. The caller commits even on failure."""
    s = get_settings()
    ip = client or "unknown"
    if not login_ip_limiter.hit(ip):
        retry = login_ip_limiter.retry_after(ip)
        return LoginResult(
            None,
            0,
            None,
            Problem(
                429,
                "Too Many Requests",
                "too many login attempts from this address; wait and retry",
                headers={"Retry-After": str(retry)},
            ),
        )
    now = utcnow()
    user = session.scalar(
        select(User).where(func.lower(User.username) == username.strip().lower(), User.deleted_at.is_(None))
    )
    if user is not None and user.locked_until and user.locked_until > now:
        retry = int((user.locked_until - now).total_seconds()) + 1
        audited_action(
            session, principal=_anon(user), action="login_refused_locked", entity="users", entity_id=user.id
        )
        return LoginResult(
            None,
            0,
            None,
            Problem(
                429,
                "Too Many Requests",
                "account temporarily locked after repeated failed logins",
                headers={"Retry-After": str(retry)},
            ),
        )
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.active:
        if user is not None:
            window = timedelta(seconds=s.login_window_seconds)
            if user.first_failed_at is None or now - user.first_failed_at > window:
                user.first_failed_at, user.failed_logins = now, 0
            user.failed_logins += 1
            if user.failed_logins >= s.login_max_failures:
                user.locked_until = now + timedelta(seconds=s.login_lockout_seconds)
                user.failed_logins, user.first_failed_at = 0, None
            audited_action(
                session,
                principal=_anon(user),
                action="login_failed",
                entity="users",
                entity_id=user.id,
                after={"from": ip, "locked": user.locked_until is not None and user.locked_until > now},
            )
        return LoginResult(None, 0, None, _unauthorized())
    user.failed_logins, user.first_failed_at, user.locked_until, user.last_login_at = 0, None, None, now
    token = new_token()
    session.add(
        AccessToken(
            token_hash=token_digest(token),
            user_id=user.id,
            created_at=now,
            expires_at=now + timedelta(seconds=s.token_ttl_seconds),
            client=ip[:200],
        )
    )
    audited_action(
        session, principal=_anon(user), action="login", entity="users", entity_id=user.id, after={"from": ip}
    )
    return LoginResult(token, s.token_ttl_seconds, user, None)


def _anon(user: User) -> Principal:
    return Principal(user_id=user.id, username=user.username, agency_id=user.agency_id, roles=frozenset())


def bearer_of(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(COOKIE) or None


def principal_for_token(session: Session, token: str) -> Principal | None:
    """Cached per token until a user or token changes anywhere (see hifazat.auth.cache)."""
    digest = token_digest(token)

    def load() -> tuple[Principal, datetime] | None:
        # Plain columns, not entities: no identity map, no instances.
        row = session.execute(
            select(
                AccessToken.id,
                AccessToken.expires_at,
                User.id,
                User.username,
                User.agency_id,
                User.roles,
                User.full_name,
            )
            .join(User, User.id == AccessToken.user_id)
            .where(
                AccessToken.token_hash == digest,
                AccessToken.revoked_at.is_(None),
                AccessToken.expires_at > utcnow(),
                User.active.is_(True),
                User.deleted_at.is_(None),
            )
        ).first()
        if row is None:
            return None
        token_id, expires_at, user_id, username, agency_id, roles, full_name = row
        principal = build_principal(
            session,
            user_id=user_id,
            username=username,
            agency_id=agency_id,
            roles=roles,
            token_id=token_id,
            full_name=full_name or "",
        )
        # The principal carries the agency's grants: kept no longer than they hold (an agreement ending
        # while an open stream re-resolves this token must end what the stream shows, not 5 s later).
        changes_at = auth_cache.facts(session, agency_id).changes_at
        return principal, expires_at if changes_at is None else min(expires_at, changes_at)

    return cast("Principal | None", auth_cache.principal(session, digest, load))


def principal_from_request(session: Session, request: Request) -> Principal:
    cached: Principal | None = getattr(request.state, "principal", None)
    if cached is not None:
        return cached
    token = bearer_of(request)
    principal = principal_for_token(session, token) if token else None
    if principal is None:
        raise _unauthorized("missing, expired or revoked access token")
    _require_fetch_header_for_cookie_writes(request)
    request.state.principal = principal
    return principal


def _require_fetch_header_for_cookie_writes(request: Request) -> None:
    """Defence in depth over SameSite=Strict: a write authenticated only by the session cookie must come
    from the dashboard's own scripts, which send `X-Requested-With: fetch` (a plain form cannot)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return
    if request.headers.get("x-requested-with", "").lower() != "fetch":
        raise Problem(
            403, "Forbidden", "a cookie-authenticated change must send the header X-Requested-With: fetch"
        )


def logout(session: Session, principal: Principal) -> None:
    tok = session.get(AccessToken, principal.token_id) if principal.token_id else None
    if tok is not None and tok.revoked_at is None:
        tok.revoked_at = utcnow()
        audited_action(
            session, principal=principal, action="logout", entity="users", entity_id=principal.user_id
        )


# --- agencies -------------------------------------------------------------------------------------------


def _may_parent(session: Session, principal: Principal, parent_id: str | None) -> None:
    if parent_id is None:
        if not (principal.system or principal.platform_admin):
            raise forbidden("only an admin of a top-level agency may create a top-level agency")
        return
    parent = session.get(Agency, parent_id)
    if parent is None or parent.deleted_at is not None:
        raise invalid("parent_id", "no such agency")
    if not can_administer(principal, parent_id):
        raise forbidden("you may only place agencies under your own agency or one below it")


def _name_free(session: Session, name: str, except_id: str | None = None) -> None:
    q = select(Agency.id).where(func.lower(Agency.name) == name.lower())
    if except_id:
        q = q.where(Agency.id != except_id)
    if session.scalar(q) is not None:
        raise conflict(f"an agency named {name!r} already exists", field="name")


def _covered(code: str, by: tuple[str, ...]) -> bool:
    return any(p == WHOLE_COUNTRY or code == p or code.startswith(p + ":") for p in by)


def _may_grant_jurisdiction(principal: Principal, wanted: list[str]) -> None:
    """Jurisdiction widens what an agency's users see: nobody hands out more than they hold themselves."""
    if principal.system or principal.platform_admin:
        return
    beyond = [j for j in wanted if not _covered(j, principal.jurisdiction)]
    if beyond:
        raise forbidden(f"jurisdiction {', '.join(beyond)} lies beyond your own agency's jurisdiction")


def create_agency(session: Session, *, data: AgencyIn, principal: Principal) -> Agency:
    require(principal, "agencies", "write")
    _may_parent(session, principal, data.parent_id)
    _may_grant_jurisdiction(principal, data.jurisdiction)
    _name_free(session, data.name)
    row = Agency(**data.model_dump(mode="json"))
    return audited_create(session, row, kind="agencies", principal=principal)


def get_agency(session: Session, agency_id: str) -> Agency:
    row = session.get(Agency, agency_id)
    if row is None or row.deleted_at is not None:
        raise not_found("agency")
    return row


def update_agency(
    session: Session, *, agency_id: str, changes: dict[str, Any], principal: Principal
) -> Agency:
    require(principal, "agencies", "write")
    row = get_agency(session, agency_id)
    if not can_administer(principal, row.id):
        raise forbidden("you may only change your own agency or those below it")
    for key in ("name", "kind", "jurisdiction", "country"):
        if key in changes and changes[key] is None:
            raise invalid(key, "cannot be null")
    powers = {"kind", "jurisdiction", "parent_id"} & set(changes)
    if powers and row.id == principal.agency_id and not (principal.system or principal.platform_admin):
        raise forbidden(f"{', '.join(sorted(powers))} of your own agency is set by an agency above it")
    if "jurisdiction" in changes:
        _may_grant_jurisdiction(principal, changes["jurisdiction"])
    if changes.get("name"):
        _name_free(session, changes["name"], except_id=row.id)
    if "parent_id" in changes:
        new_parent = changes["parent_id"]
        if new_parent is not None and new_parent in descendants(session, row.id):
            raise invalid(
                "parent_id", "an agency cannot be placed under itself or one of its own sub-agencies"
            )
        _may_parent(session, principal, new_parent)
    audited_update(session, row, changes, kind="agencies", principal=principal)
    return row


def delete_agency(session: Session, *, agency_id: str, principal: Principal) -> None:
    require(principal, "agencies", "write")
    row = get_agency(session, agency_id)
    if not can_administer(principal, row.id) or row.id == principal.agency_id:
        raise forbidden("you may only retire agencies below your own")
    users = session.scalar(
        select(func.count()).select_from(User).where(User.agency_id == row.id, User.deleted_at.is_(None))
    )
    if users:
        raise conflict(f"agency still has {users} active users; retire them first")
    audited_delete(session, row, kind="agencies", principal=principal)


def agency_query(q: str | None, kind: str | None, parent_id: str | None) -> Any:
    stmt = select(Agency).where(Agency.deleted_at.is_(None))
    if q:
        stmt = stmt.where(or_(contains_ci(Agency.name, q), contains_ci(Agency.short_name, q)))
    if kind:
        stmt = stmt.where(Agency.kind == kind)
    if parent_id:
        stmt = stmt.where(Agency.parent_id == parent_id)
    return stmt


__all__ = [
    "agreement_query",
    "create_agreement",
    "create_user",
    "delete_agreement",
    "delete_user",
    "get_agreement",
    "get_user",
    "update_user",
    "user_query",
]
