"""Escalation: policies per agency, site and severity; persisted timers that climb an unacknowledged alert.

A timer row (`escalation_timers`, state pending, `due_at`) is written in the transaction that raises the alert
or climbs a level. Every worker runs `escalation_loop`; it sleeps until the next `due_at` (at most
`alerts_escalation_poll_s`) and claims due timers with `SELECT ... FOR UPDATE SKIP LOCKED` on PostgreSQL,
then flips each with `UPDATE ... WHERE state = 'pending'` and acts only when that changed exactly one row —
so a level fires once, however many workers race for it, and a restart loses nothing (the row waits).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from hifazat.alerts.models import Alert, AlertStatus, EscalationPolicy, EscalationTimer, TimerState
from hifazat.alerts.schemas import PolicyIn, PolicyPatch
from hifazat.auth import cache as agency_cache
from hifazat.auth.access import get_visible
from hifazat.auth.models import Agency, Role, User
from hifazat.auth.policy import Principal, can_write_agency, require, system_actor
from hifazat.config import get_settings
from hifazat.core.db import utcnow
from hifazat.core.errors import Problem, forbidden, invalid, not_found
from hifazat.platform.audit import log as audit
from hifazat.platform.db import local_writes, unit_of_work
from hifazat.platform.fast_insert import insert_pending
from hifazat.platform.outbox import ORIGIN
from hifazat.platform.sqlite.lane import lane, run_preemptible
from hifazat.registry.models import Site, Unit

log = logging.getLogger("hifazat.alerts.escalation")
KIND = "escalation_policies"
SETTLE_S = 0.001  # after a new alert's event, before its level-0 tick


# --- policies -------------------------------------------------------------------------------------------


def _ancestors(session: Session, agency_id: str) -> list[str]:
    """The agency, its parent, ... up to the top (from the per-agency cache of the auth domain)."""
    return list(agency_cache.facts(session, agency_id).chain)


def default_levels(session: Session, alert: Alert) -> list[dict[str, Any]]:
    """When no policy matches: the owning agency's operators, then the parent agency's operators."""
    timeout = get_settings().alerts_default_ack_timeout_s
    chain = _ancestors(session, alert.agency_id)
    levels = [
        {"timeout_s": timeout, "targets": [{"kind": "role", "role": "operator", "agency_id": chain[0]}]}
    ]
    if len(chain) > 1:
        levels.append(
            {"timeout_s": timeout, "targets": [{"kind": "role", "role": "operator", "agency_id": chain[1]}]}
        )
    return levels


def select_policy(session: Session, alert: Alert) -> EscalationPolicy | None:
    return select_policy_for(
        session, agency_id=alert.agency_id, site_id=alert.site_id, severity=alert.severity
    )


def policy_id_for(session: Session, *, agency_id: str, site_id: str | None, severity: str) -> str | None:
    """`select_policy_for`'s id, cached until a policy or agency changes (every SOS asks it)."""

    def load() -> str | None:
        policy = select_policy_for(session, agency_id=agency_id, site_id=site_id, severity=severity)
        return policy.id if policy else None

    key = f"escalation-policy:{agency_id}:{site_id}:{severity}"
    chosen: str | None = agency_cache.derived(session, key, load)
    return chosen


def select_policy_for(
    session: Session, *, agency_id: str, site_id: str | None, severity: str
) -> EscalationPolicy | None:
    """The most specific active policy: site and severity matches first, then the nearest agency."""
    chain = _ancestors(session, agency_id)
    rows = session.scalars(
        select(EscalationPolicy).where(
            EscalationPolicy.agency_id.in_(chain),
            EscalationPolicy.active.is_(True),
            EscalationPolicy.deleted_at.is_(None),
            or_(EscalationPolicy.site_id.is_(None), EscalationPolicy.site_id == site_id),
            or_(EscalationPolicy.severity.is_(None), EscalationPolicy.severity == severity),
        )
    ).all()
    if not rows:
        return None

    def rank(p: EscalationPolicy) -> tuple[int, int, int, str]:
        return (
            1 if p.site_id else 0,
            1 if p.severity else 0,
            -chain.index(p.agency_id),
            p.id,
        )

    return max(rows, key=rank)


def levels_for(session: Session, alert: Alert) -> list[dict[str, Any]]:
    if alert.escalation_policy_id:
        policy = session.get(EscalationPolicy, alert.escalation_policy_id)
        if policy is not None and policy.deleted_at is None and policy.levels:
            return list(policy.levels)
    return default_levels(session, alert)


def _check_targets(session: Session, levels: list[dict[str, Any]]) -> None:
    for i, level in enumerate(levels):
        for j, t in enumerate(level["targets"]):
            where = f"levels.{i}.targets.{j}"
            kind = t["kind"]
            if kind == "user":
                user = session.get(User, t["id"])
                if user is None or user.deleted_at is not None:
                    raise invalid(f"{where}.id", "no such user")
            elif kind == "unit":
                unit = session.get(Unit, t["id"])
                if unit is None or unit.deleted_at is not None:
                    raise invalid(f"{where}.id", "no such unit")
            elif kind == "agency":
                ag = session.get(Agency, t["id"])
                if ag is None or ag.deleted_at is not None:
                    raise invalid(f"{where}.id", "no such agency")
            elif kind == "role":
                if t["role"] not in {r.value for r in Role}:
                    raise invalid(f"{where}.role", f"must be one of {', '.join(r.value for r in Role)}")
                if t.get("agency_id"):
                    ag = session.get(Agency, t["agency_id"])
                    if ag is None or ag.deleted_at is not None:
                        raise invalid(f"{where}.agency_id", "no such agency")


def _levels_json(levels: Sequence[Any]) -> list[dict[str, Any]]:
    return [lv.model_dump(mode="json", exclude_none=True) for lv in levels]


def create_policy(session: Session, data: PolicyIn, principal: Principal) -> EscalationPolicy:
    require(principal, KIND, "write")
    owner = data.agency_id or principal.agency_id
    if owner is None or not can_write_agency(principal, owner):
        raise invalid("agency_id", "you may only write policies for your own agency or one below it")
    if data.site_id:
        try:
            get_visible(session, Site, "sites", data.site_id, principal)
        except Problem as exc:
            raise invalid("site_id", "no such site visible to you") from exc
    levels = _levels_json(data.levels)
    for level in levels:
        for t in level["targets"]:
            if t["kind"] == "role" and not t.get("agency_id"):
                t["agency_id"] = owner
    _check_targets(session, levels)
    row = EscalationPolicy(
        agency_id=owner,
        name=data.name,
        site_id=data.site_id,
        severity=data.severity.value if data.severity else None,
        levels=levels,
        active=data.active,
    )
    session.add(row)
    session.flush([row])
    audit.record(
        session, actor=principal, action="create", entity=KIND, entity_id=row.id, after=audit.snapshot(row)
    )
    return row


def _policy_scope_ok(row: EscalationPolicy, principal: Principal) -> bool:
    return principal.system or row.agency_id in principal.tree


def get_policy(session: Session, policy_id: str, principal: Principal) -> EscalationPolicy:
    require(principal, KIND, "read")
    row = session.get(EscalationPolicy, policy_id)
    if row is None or row.deleted_at is not None or not _policy_scope_ok(row, principal):
        raise not_found("escalation policy")
    return row


def list_policies(session: Session, principal: Principal) -> list[EscalationPolicy]:
    require(principal, KIND, "read")
    stmt = select(EscalationPolicy).where(EscalationPolicy.deleted_at.is_(None))
    if not principal.system:
        stmt = stmt.where(EscalationPolicy.agency_id.in_(principal.tree))
    return list(session.scalars(stmt.order_by(EscalationPolicy.name, EscalationPolicy.id)))


def update_policy(
    session: Session, policy_id: str, patch: PolicyPatch, principal: Principal
) -> EscalationPolicy:
    require(principal, KIND, "write")
    row = get_policy(session, policy_id, principal)
    if not can_write_agency(principal, row.agency_id):
        raise forbidden("this policy belongs to another agency")
    values = patch.model_dump(exclude_unset=True)
    if "name" in values and values["name"] is None:
        raise invalid("name", "cannot be null")
    if "levels" in values:
        if patch.levels is None:
            raise invalid("levels", "cannot be null")
        levels = _levels_json(patch.levels)
        for level in levels:
            for t in level["targets"]:
                if t["kind"] == "role" and not t.get("agency_id"):
                    t["agency_id"] = row.agency_id
        _check_targets(session, levels)
        values["levels"] = levels
    if values.get("site_id"):
        try:
            get_visible(session, Site, "sites", values["site_id"], principal)
        except Problem as exc:
            raise invalid("site_id", "no such site visible to you") from exc
    if "severity" in values and values["severity"] is not None:
        values["severity"] = str(values["severity"].value)
    if "active" in values and values["active"] is None:
        raise invalid("active", "cannot be null")
    before = audit.snapshot(row)
    for key, value in values.items():
        setattr(row, key, value)
    row.updated_at = utcnow()
    session.flush([row])
    b, a = audit.diff(before, audit.snapshot(row))
    if a:
        audit.record(
            session, actor=principal, action="update", entity=KIND, entity_id=row.id, before=b, after=a
        )
    return row


def delete_policy(session: Session, policy_id: str, principal: Principal) -> None:
    require(principal, KIND, "write")
    row = get_policy(session, policy_id, principal)
    if not can_write_agency(principal, row.agency_id):
        raise forbidden("this policy belongs to another agency")
    row.deleted_at = utcnow()
    audit.record(
        session, actor=principal, action="delete", entity=KIND, entity_id=row.id, after={"deleted": True}
    )


# --- running an alert's escalation ----------------------------------------------------------------------


def _target_agencies(session: Session, targets: list[dict[str, Any]]) -> list[str]:
    out: list[str] = []
    for t in targets:
        if t["kind"] == "agency":
            out.append(t["id"])
        elif t["kind"] == "role" and t.get("agency_id"):
            out.append(t["agency_id"])
        elif t["kind"] == "user":
            user = session.get(User, t["id"])
            if user is not None:
                out.append(user.agency_id)
        elif t["kind"] == "unit":
            unit = session.get(Unit, t["id"])
            if unit is not None:
                out.append(unit.agency_id)
    return out


def notify_level(
    session: Session,
    alert: Alert,
    level: int,
    actor: Principal,
    reason: str,
    *,
    generation: int | None = None,
    levels: list[dict[str, Any]] | None = None,
    then: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """Tell the targets of one level: share the alert with their agencies and queue their notifications.
    `then` runs once the shares are recorded, before the notifications are queued (and audited)."""
    from hifazat.alerts import notifications
    from hifazat.alerts.service import add_event, share

    levels = levels if levels is not None else levels_for(session, alert)
    targets = levels[level]["targets"] if level < len(levels) else []
    added = share(session, alert, _target_agencies(session, targets), f"escalation level {level}")
    if then is not None:
        then()
    deliveries = notifications.notify_targets(
        session, alert, targets, level=level, reason=reason, generation=generation
    )
    info = {"level": level, "targets": targets, "shared_with": added, "deliveries": deliveries}
    add_event(
        session,
        alert,
        actor,
        "escalated" if level > 0 else "notified",
        note=reason,
        data=info,
    )
    return info


def start(
    session: Session,
    alert: Alert,
    actor: Principal,
    *,
    now: datetime | None = None,
    fresh: bool = False,
) -> None:
    """Begin an alert's escalation.

    `fresh` (the SOS lane): the alert was just created with its policy already chosen. Only a level-0 timer
    due now is written, in the alert's transaction, so the SOS commits fast; the escalation loop (woken by the
    alert's own event) tells level 0 a moment later in its own transaction, exactly once, and arms level 1
    from the alert's creation time. Otherwise (a false alarm reopened) level 0 is told at once.
    """
    now = now or utcnow()
    if fresh:
        _arm(session, alert, 0, now)
        return
    policy = select_policy(session, alert)
    alert.escalation_policy_id = policy.id if policy else None
    alert.escalation_level = 0
    cancel(session, alert)
    levels = levels_for(session, alert)
    notify_level(session, alert, 0, actor, _raised_reason(policy))
    if len(levels) > 1:
        _arm(session, alert, 1, now + timedelta(seconds=int(levels[0]["timeout_s"])))


def _raised_reason(policy: EscalationPolicy | None) -> str:
    return f"alert raised ({policy.name})" if policy else "alert raised (built-in escalation)"


def _arm(session: Session, alert: Alert, level: int, due: datetime) -> EscalationTimer:
    timer = EscalationTimer(alert_id=alert.id, level=level, due_at=due, state=TimerState.pending.value)
    session.add(timer)
    return timer


def cancel(session: Session, alert: Alert) -> int:
    res = session.execute(
        update(EscalationTimer)
        .where(EscalationTimer.alert_id == alert.id, EscalationTimer.state == TimerState.pending.value)
        .values(state=TimerState.cancelled.value)
        .execution_options(synchronize_session=False)
    )
    return int(res.rowcount or 0)  # type: ignore[attr-defined]


def pending_timers(session: Session, alert_id: str) -> list[EscalationTimer]:
    return list(
        session.scalars(
            select(EscalationTimer).where(
                EscalationTimer.alert_id == alert_id, EscalationTimer.state == TimerState.pending.value
            )
        )
    )


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _due(now: datetime, from_level: int) -> Any:
    return select(EscalationTimer).where(
        EscalationTimer.state == TimerState.pending.value,
        EscalationTimer.due_at <= now,
        EscalationTimer.level >= from_level,
    )


def fire_due(
    session: Session,
    *,
    now: datetime | None = None,
    worker: str | None = None,
    limit: int = 50,
) -> list[tuple[str, int]]:
    """Fire the timers due at `now` in this transaction. Each fires at most once across all workers.
    Returns (alert, level)."""
    now = now or utcnow()
    worker = worker or worker_name()
    q = _due(now, 0).order_by(EscalationTimer.due_at).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        q = q.with_for_update(skip_locked=True)
    actor = system_actor("escalation")
    fired = [_fire_timer(session, timer, now, worker, actor) for timer in session.scalars(q).all()]
    return [f for f in fired if f is not None]


def fire_due_each(worker: str, *, now: datetime | None = None, limit: int = 50) -> list[tuple[str, int]]:
    """The loop's way to climb levels 1 and up: the due timers read without the write lock, then one short
    transaction per timer that a bulk lane gives up to an SOS (hifazat.lane), never one long transaction
    for a whole burst of alerts. Level 0 of new alerts is `fire_first`'s."""
    now = now or utcnow()
    actor = system_actor("escalation")
    with unit_of_work(readonly=True) as session:
        ids = session.scalars(
            _due(now, 1).with_only_columns(EscalationTimer.id).order_by(EscalationTimer.due_at).limit(limit)
        ).all()

    def write(timer_id: str) -> tuple[str, int] | None:
        lane.defer_to_urgent()
        with unit_of_work() as session:
            timer = session.get(EscalationTimer, timer_id)
            if timer is None or timer.state != TimerState.pending.value:
                return None  # another worker had it
            return _fire_timer(session, timer, now, worker, actor)

    fired = [run_preemptible(functools.partial(write, timer_id)) for timer_id in ids]
    return [f for f in fired if f is not None]


def _fire_timer(
    session: Session, timer: EscalationTimer, now: datetime, worker: str, actor: Principal
) -> tuple[str, int] | None:
    from hifazat.alerts.service import emit_changed

    alert = session.get(Alert, timer.alert_id)
    if not _claim(session, timer.id, alert, worker) or alert is None:
        return None  # another worker had it, or the alert was acknowledged meanwhile
    levels = levels_for(session, alert)
    if timer.level >= len(levels):
        return None
    if timer.level == 0:
        _fire_first(session, alert, levels, actor)
        return (alert.id, 0)
    late_ms = (utcnow() - timer.due_at).total_seconds() * 1000
    alert.escalation_level = timer.level
    alert.updated_at = utcnow()
    reason = f"not acknowledged within {levels[timer.level - 1]['timeout_s']} s"
    notify_level(session, alert, timer.level, actor, reason)
    audit.record(
        session,
        actor=actor,
        action="escalate",
        entity="alerts",
        entity_id=alert.id,
        before={"escalation_level": timer.level - 1},
        after={
            "escalation_level": timer.level,
            "timer_id": timer.id,
            "worker": worker,
            "late_ms": late_ms,
        },
    )
    if timer.level + 1 < len(levels):
        _arm(session, alert, timer.level + 1, now + timedelta(seconds=int(levels[timer.level]["timeout_s"])))
    session.flush()
    emit_changed(session, alert, "escalated")
    log.info(
        "alert escalated",
        extra={"alert_id": alert.id, "level": timer.level, "late_ms": round(late_ms, 1)},
    )
    return (alert.id, timer.level)


def _fire_first(session: Session, alert: Alert, levels: list[dict[str, Any]], actor: Principal) -> None:
    """Level 0 of a fresh alert: tell its first targets; the climb to level 1 counts from its creation.

    Reads come first and the notifications (which append to the audit chain) last, so the chain's lock is
    held from their audit entry to the commit only, never while this transaction still reads."""
    from hifazat.alerts.service import assignments_of, emit_changed

    policy = session.get(EscalationPolicy, alert.escalation_policy_id) if alert.escalation_policy_id else None
    assigned = assignments_of(session, alert.id)
    if len(levels) > 1:
        _arm(session, alert, 1, alert.created_at + timedelta(seconds=int(levels[0]["timeout_s"])))
    notify_level(
        session,
        alert,
        0,
        actor,
        _raised_reason(policy),
        generation=0,
        levels=levels,
        then=lambda: emit_changed(session, alert, "notified", assignments=assigned),
    )


def next_due(session: Session) -> datetime | None:
    return session.scalar(
        select(func.min(EscalationTimer.due_at)).where(EscalationTimer.state == TimerState.pending.value)
    )


def tick(worker: str, *, known_due: bool = False) -> float:
    """One pass of the loop; returns how long to sleep before the next. `known_due`: a new alert's level-0
    timer is due now, so go straight to firing it without asking for the next due time first."""
    poll = get_settings().alerts_escalation_poll_s
    if not known_due:
        with unit_of_work(readonly=True) as session:
            due = next_due(session)
        if due is None:
            return poll
        wait = (due - utcnow()).total_seconds()
        if wait > 0:
            return min(poll, wait)
    now = utcnow()
    fired = fire_first(worker, now=now)
    if not known_due:
        fired += fire_due_each(worker, now=now)
    return 0.0 if len(fired) >= 50 else min(poll, 0.02)


# --- level 0 of new alerts in two phases ------------------------------------------------------------------


@dataclass
class _FirstPlan:
    """Everything level 0 of one new alert needs, read without the write lock."""

    timer_id: str
    alert_id: str
    levels: list[dict[str, Any]]
    reason: str
    created_at: datetime
    assigned: list[Any]
    shares: list[str]
    share_to: list[str]
    prepared: Any
    alert: Alert | None = None  # as read (detached): `_apply_first_late` writes from it if it is unchanged

    @classmethod
    def cancellation(cls, timer: EscalationTimer) -> _FirstPlan:
        """The plan of a timer whose alert is no longer new (or gone): no levels, only the cancel."""
        return cls(timer.id, timer.alert_id, [], "", timer.due_at, [], [], [], None)


def plan_first(session: Session, *, now: datetime, limit: int = 50) -> list[_FirstPlan]:
    """The read phase of level 0 for new alerts whose level-0 timer is due. Writes nothing, and lets an
    urgent request in flight (an SOS) have the interpreter before each alert's share of the work."""
    from hifazat.alerts import notifications
    from hifazat.alerts.service import assignments_of, shared_with

    timers = session.scalars(
        select(EscalationTimer)
        .where(
            EscalationTimer.state == TimerState.pending.value,
            EscalationTimer.level == 0,
            EscalationTimer.due_at <= now,
        )
        .order_by(EscalationTimer.due_at)
        .limit(limit)
    ).all()
    plans: list[_FirstPlan] = []
    for timer in timers:
        lane.defer_to_urgent()
        alert = session.get(Alert, timer.alert_id)
        if alert is None or alert.status != AlertStatus.new.value:
            # Acknowledged (or gone) before its level 0 was told: the write phase cancels the timer.
            plans.append(_FirstPlan.cancellation(timer))
            continue
        levels = levels_for(session, alert)
        if not levels:
            continue
        policy = (
            session.get(EscalationPolicy, alert.escalation_policy_id) if alert.escalation_policy_id else None
        )
        reason = _raised_reason(policy)
        targets = levels[0]["targets"]
        plans.append(
            _FirstPlan(
                timer_id=timer.id,
                alert_id=alert.id,
                levels=levels,
                reason=reason,
                created_at=alert.created_at,
                assigned=assignments_of(session, alert.id),
                shares=shared_with(session, alert.id),
                share_to=_target_agencies(session, targets),
                prepared=None,
                alert=alert,
            )
        )
        lane.defer_to_urgent()
        plans[-1].prepared = notifications.prepare_targets(
            session, alert, targets, level=0, reason=reason, generation=0
        )
    return plans


def _claim(session: Session, timer_id: str, alert: Alert | None, worker: str) -> bool:
    """Flip a pending level-0 timer once across workers: fired while the alert is still new, cancelled
    otherwise (or when it is gone). True when this worker fired it."""
    still_new = alert is not None and alert.status == AlertStatus.new.value
    claim = session.execute(
        update(EscalationTimer)
        .where(EscalationTimer.id == timer_id, EscalationTimer.state == TimerState.pending.value)
        .values(
            state=TimerState.fired.value if still_new else TimerState.cancelled.value,
            fired_at=utcnow(),
            fired_by=worker[:120],
        )
        .execution_options(synchronize_session=False)
    )
    return claim.rowcount == 1 and still_new  # type: ignore[attr-defined]


def apply_first(session: Session, plan: _FirstPlan, actor: Principal, worker: str) -> bool:
    """The write phase: claim the timer (once across workers) if the alert is still new, then write what
    `plan_first` prepared. The audit chain is taken last (notifications), so its lock is held briefly."""
    if not plan.levels:  # a cancellation (plan_first): the claim flips the timer to cancelled
        _claim(session, plan.timer_id, None, worker)
        return False
    alert = session.get(Alert, plan.alert_id)
    if not _claim(session, plan.timer_id, alert, worker) or alert is None:
        return False
    _write_first(session, plan, alert, actor)
    return True


def _write_first(
    session: Session, plan: _FirstPlan, alert: Alert, actor: Principal, *, insert: bool = True
) -> None:
    """Level 0's rows; `insert`: written now (else left pending for the caller's `insert_pending`)."""
    from hifazat.alerts import notifications
    from hifazat.alerts.service import _SHARES, add_event, emit_changed, share

    session.info.setdefault(_SHARES, {})[alert.id] = list(plan.shares)
    if len(plan.levels) > 1:
        _arm(session, alert, 1, plan.created_at + timedelta(seconds=int(plan.levels[0]["timeout_s"])))
    added = share(session, alert, plan.share_to, "escalation level 0")
    emit_changed(session, alert, "notified", assignments=plan.assigned)
    deliveries = notifications.write_targets(session, plan.prepared, claimed=True)
    info = {
        "level": 0,
        "targets": plan.levels[0]["targets"],
        "shared_with": added,
        "deliveries": deliveries,
    }
    add_event(session, alert, actor, "notified", note=plan.reason, data=info)
    # The new rows without the flush, the audit entry linked to the chain last: the chain's lock, which the
    # next SOS waits for (SQLite: its write lock, from the transaction's first statement), is held from
    # there to the commit: on SQLite for plain statements, on PostgreSQL for one (the rows as CTEs).
    if insert:
        insert_pending(session)


class _Changed(Exception):
    """The alert changed (or its timer was taken) between `plan_first`'s read and the claim."""


def _apply_first_late(plan: _FirstPlan, actor: Principal, worker: str) -> bool | None:
    """SQLite: `apply_first` with the write lock held for its statements only. Every row is made from the
    alert as `plan_first` read it (or, run again, as read now) before the transaction's first statement,
    the claim, which takes the lock: it fires the timer only if the alert is still new and unchanged since
    (its `updated_at`), and the rows follow by plain statements. None when it was not: `apply_first` then
    reads it again and does what is right (fire, cancel, or nothing when another worker fired it)."""
    alert, plan.alert = plan.alert, None  # once: a rollback expires it, so a retry (preempted) reads afresh
    if alert is None:
        with unit_of_work(readonly=True) as session:
            alert = session.get(Alert, plan.alert_id)
    if alert is None or alert.status != AlertStatus.new.value:
        return None
    try:
        with unit_of_work() as session:
            session.add(alert)  # loaded and detached: attached without a statement
            _write_first(session, plan, alert, actor, insert=False)  # no statement yet
            with session.no_autoflush:  # the rows wait for the claim
                claim = session.execute(_late_claim(plan, alert, worker))
            if claim.rowcount != 1:  # type: ignore[attr-defined]
                raise _Changed
            insert_pending(session)
    except _Changed:
        return None
    return True


def _late_claim(plan: _FirstPlan, alert: Alert, worker: str) -> Any:
    return (
        update(EscalationTimer)
        .where(
            EscalationTimer.id == plan.timer_id,
            EscalationTimer.state == TimerState.pending.value,
            select(Alert.id)
            .where(
                Alert.id == alert.id,
                Alert.status == AlertStatus.new.value,
                Alert.updated_at == alert.updated_at,
            )
            .exists(),
        )
        .values(state=TimerState.fired.value, fired_at=utcnow(), fired_by=worker[:120])
        .execution_options(synchronize_session=False)
    )


def fire_first(worker: str, *, now: datetime | None = None) -> list[tuple[str, int]]:
    """Level 0 of new alerts: read in a read-only transaction (on SQLite no write lock), then one short write
    transaction per alert, so the audit-chain lock (PostgreSQL) or the write lock (SQLite) an SOS may need
    is held for one alert's writes only, and a bulk lane gives it up to an SOS (hifazat.lane)."""
    actor = system_actor("escalation")
    with unit_of_work(readonly=True) as session:
        plans = plan_first(session, now=now or utcnow())

    late = local_writes()

    def write(plan: _FirstPlan) -> bool:
        lane.defer_to_urgent()
        if late and plan.levels:
            done = _apply_first_late(plan, actor, worker)
            if done is not None:
                return done
        with unit_of_work() as session:
            return apply_first(session, plan, actor, worker)

    return [(plan.alert_id, 0) for plan in plans if run_preemptible(functools.partial(write, plan))]


async def escalation_loop(stop: asyncio.Event) -> None:
    """Background starter (app.state.background): runs in every worker for the app's lifetime. A new alert's
    event wakes it at once (its level-0 timer is due); otherwise it sleeps until the next due time."""
    from hifazat.platform.bus import Event, get_bus

    worker = worker_name()
    wake = asyncio.Event()

    def on_alert(event: Event) -> None:
        # Only alerts raised here: another worker fires its own (the poll is the fallback if it died),
        # and this worker racing it for every alert would only take the interpreter from its stream.
        if event.payload.get("change") == "created" and event.origin == ORIGIN:
            wake.set()

    unsubscribe = get_bus().subscribe("alerts.changed", on_alert)
    try:
        while not stop.is_set():
            woken = wake.is_set()
            wake.clear()
            if woken:
                # The new alert's own response and stream event leave first: they wait on this loop, and
                # the tick's thread would otherwise take the interpreter from them at once.
                await asyncio.sleep(SETTLE_S)
            try:
                delay = await asyncio.to_thread(tick, worker, known_due=woken)
            except Exception:
                log.exception("escalation tick failed")
                delay = 1.0
            if delay <= 0 or wake.is_set():
                await asyncio.sleep(0)
                continue
            waiters = [asyncio.ensure_future(stop.wait()), asyncio.ensure_future(wake.wait())]
            try:
                await asyncio.wait(waiters, timeout=delay, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for w in waiters:
                    w.cancel()
    finally:
        unsubscribe()
