"""What a principal's agency brings to it (agency tree, ancestors, jurisdiction, sharing grants), cached.

Building these took two table walks and a query per agreement on every request. They change only when an
agency or a sharing agreement changes, so each process keeps them per agency and database:

  * a transaction that changes an `Agency` or `SharingAgreement` clears this process's cache when it
    commits, and emits `auth.changed` through the outbox, which clears every other worker's cache (the
    app subscribes in its lifespan);
  * an entry lives at most `TTL_S`, and never past the moment an agreement of its agency starts or ends;
  * entries belong to one connection pool, so another database (or a disposed engine) never sees them.

Other domains keep facts derived from their own rarely changed rows here too (`derived`, `CACHE_WATCHES`): the
escalation policy that applies to an agency, site and severity is read by every SOS.
The session listeners that notice changes are installed by the auth domain (`install_listeners`).

The principal of an access token (its user's roles, agency and the facts above) is cached the same way, for
at most `TOKEN_TTL_S` and never past the token's expiry: a transaction that changes a `User` or an
`AccessToken` (login, logout, revocation, roles, deactivation, deletion) clears it here at commit and, through
the same `auth.changed` event, in every other worker. So a revoked token stops working at once in the
worker that revoked it and as soon as the event arrives elsewhere (milliseconds over NATS; at the latest
after `TOKEN_TTL_S` if the bus is down).
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from hifazat.auth.models import AccessToken, Agency, SharingAgreement, User
from hifazat.core.db import new_id, utcnow
from hifazat.platform.composition import ExtensionPoint, current
from hifazat.platform.outbox import emit

SUBJECT = "auth.changed"
TTL_S = 30.0
TOKEN_TTL_S = 5.0
MAX_ENTRIES = 10_000  # per pool and kind; past it the cache starts afresh
_CHANGED = "hifazat_auth_changed"


@dataclass(frozen=True)
class AgencyFacts:
    exists: bool
    tree: frozenset[str]  # the agency and every agency below it (retired ones too)
    chain: tuple[str, ...]  # the agency, its parent, ... up to the top
    jurisdiction: tuple[str, ...]
    top_ministry: bool  # a top-level federal ministry (its admins administer every agency)
    grants: tuple[Any, ...]  # policy.Grant, active now
    changes_at: datetime | None = None  # the next moment an agreement of the agency starts or ends


_lock = threading.Lock()
_generation = 0
_entries: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()  # agency facts
_tokens: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()  # token principals
_derived: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()  # other domains'


def invalidate() -> None:
    global _generation
    with _lock:
        _generation += 1
        _entries.clear()
        _tokens.clear()
        _derived.clear()


def principal(session: Session, digest: str, load: Callable[[], tuple[Any, datetime] | None]) -> Any | None:
    """The principal of the token with this digest: cached, else `load()` -> (principal, expires_at) or None
    (unknown, expired or revoked: never cached)."""
    return _cached(_tokens, session, digest, TOKEN_TTL_S, load)


def facts(session: Session, agency_id: str) -> AgencyFacts:
    return cast(AgencyFacts, _cached(_entries, session, agency_id, TTL_S, lambda: _load(session, agency_id)))


def derived(session: Session, key: str, load: Callable[[], Any]) -> Any:
    """Another domain's fact under `key` (name it by its domain), computed by `load()` (None is a value
    too) from agencies and rows contributed to `CACHE_WATCHES`, kept at most `TTL_S`."""
    return _cached(_derived, session, key, TTL_S, lambda: (load(), None))


# Models whose changes, like agencies', clear every cache here, in this worker and the others: other
# domains contribute the rows their `derived` facts are computed from (escalation policies).
CACHE_WATCHES: ExtensionPoint[type] = ExtensionPoint("auth.cache_watches")


def _cached(
    store: weakref.WeakKeyDictionary[Any, dict[str, Any]],
    session: Session,
    key: str,
    ttl: float,
    load: Callable[[], tuple[Any, datetime | None] | None],
) -> Any:
    """The entry for `key`, else what `load()` gives (value, valid until or None), kept at most `ttl` s."""
    pool = session.get_bind().engine.pool  # an Engine, or an OptionEngine sharing its pool
    now = time.monotonic()
    with _lock:
        hit = store.get(pool, {}).get(key)
        generation = _generation
    if hit is not None and hit[1] > now:
        return hit[0]
    loaded = load()
    if loaded is None:
        return None
    value, until = loaded
    expires = now + ttl
    if until is not None:
        expires = min(expires, now + max((until - utcnow()).total_seconds(), 0.0))
    with _lock:
        if generation == _generation:  # nothing changed while we read: safe to keep
            entries = store.setdefault(pool, {})
            if len(entries) > MAX_ENTRIES:
                entries.clear()
            entries[key] = (value, expires)
    return value


def _load(session: Session, agency_id: str) -> tuple[AgencyFacts, datetime | None]:
    from hifazat.auth.policy import Grant, subtree  # the policy reads its facts from this cache

    rows = session.execute(select(Agency.id, Agency.parent_id, Agency.kind, Agency.jurisdiction)).all()
    parent: dict[str, str | None] = {}
    children: dict[str | None, list[str]] = {}
    info: dict[str, tuple[str, list[str] | None]] = {}
    for aid, parent_id, kind, jurisdiction in rows:
        parent[aid] = parent_id
        children.setdefault(parent_id, []).append(aid)
        info[aid] = (kind, jurisdiction)

    def tree_of(root: str) -> frozenset[str]:
        return subtree(children, root)

    chain: list[str] = []
    current: str | None = agency_id
    while current and current not in chain:
        chain.append(current)
        current = parent.get(current)
    now = utcnow()
    agreements = session.scalars(
        select(SharingAgreement).where(
            SharingAgreement.grantee_id == agency_id, SharingAgreement.deleted_at.is_(None)
        )
    ).all()
    grants = []
    until: datetime | None = None
    for a in agreements:
        for edge in (a.valid_from, a.valid_to):
            if edge is not None and edge > now and (until is None or edge < until):
                until = edge
        if (a.valid_from is None or a.valid_from <= now) and (a.valid_to is None or a.valid_to > now):
            grants.append(
                Grant(
                    agreement_id=a.id,
                    grantor_tree=tree_of(a.grantor_id),
                    kinds=frozenset(a.entity_kinds),
                    filters=dict(a.filters or {}),
                    level=a.level,
                    redact=frozenset(a.redact_fields or ()),
                )
            )
    kind, held = info.get(agency_id, ("", None))
    value = AgencyFacts(
        exists=agency_id in info,
        tree=tree_of(agency_id),
        chain=tuple(chain),
        jurisdiction=tuple(held or ()),
        top_ministry=agency_id in info and parent.get(agency_id) is None and kind == "federal_ministry",
        grants=tuple(grants),
        changes_at=until,
    )
    return value, until


_OWN: tuple[type, ...] = (Agency, SharingAgreement, User, AccessToken)


def _watched() -> tuple[type, ...]:
    watched: tuple[type, ...] = current().derived(CACHE_WATCHES, lambda models: (*_OWN, *models))
    return watched


def _changed(session: Session) -> None:
    """Once per transaction: clear at commit here, and tell the other workers."""
    if session.info.get(_CHANGED):
        return

    session.info[_CHANGED] = True
    emit(session, SUBJECT, {"id": new_id(), "agency_id": None})


def _note_changes(session: Session, _ctx: Any, _instances: Any) -> None:
    if not session.info.get(_CHANGED) and any(
        isinstance(obj, _watched()) for obj in (*session.new, *session.dirty, *session.deleted)
    ):
        _changed(session)


def _note_statements(state: Any) -> None:
    # update(User)..., delete(AccessToken)...: changes that never pass through the flush
    writes = state.is_update or state.is_delete or state.is_insert
    mapper = state.bind_mapper
    if writes and mapper is not None and issubclass(mapper.class_, _watched()):
        _changed(state.session)


def _clear_on_commit(session: Session) -> None:
    if session.info.pop(_CHANGED, False):
        invalidate()


def _forget_on_rollback(session: Session) -> None:
    session.info.pop(_CHANGED, None)


_LISTENERS = (
    ("before_flush", _note_changes),
    ("do_orm_execute", _note_statements),
    ("after_commit", _clear_on_commit),
    ("after_rollback", _forget_on_rollback),
)


def install_listeners() -> None:
    """Watch every session for changes that clear the cache (the auth domain's start-up; idempotent)."""
    for name, fn in _LISTENERS:
        if not event.contains(Session, name, fn):
            event.listen(Session, name, fn)


def subscribe(bus: Any) -> Any:
    """Clear this process's cache whenever any worker commits a change (returns the unsubscribe)."""
    return bus.subscribe(SUBJECT, lambda _event: invalidate())
