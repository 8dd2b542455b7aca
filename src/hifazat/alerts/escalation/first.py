"""Level 0 of a new alert: its first targets told right after the SOS committed, by one path on both
backends (`fire_first`, which the escalation loop runs when the alert's own event wakes it).

The SOS transaction only arms a level-0 timer due now (`timers.start(fresh=True)`). `fire_first` then reads
every due level 0 in a read-only transaction (`plan_first`: on SQLite without the write lock) and writes
each alert in a short transaction of its own (`apply_first`): every row is made from the alert as read
before the transaction's first statement, the claim of its timer, which fires it only if the alert is
still new and unchanged since the read; its rows follow by plain statements with the audit entry last,
so the write lock (SQLite) or the audit chain's lock (PostgreSQL) that the next SOS may wait for is held
for those statements only. An alert changed since the read is read again and done from what it is now.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hifazat.alerts import notifications
from hifazat.alerts.escalation.policies import levels_for, raised_reason, target_agencies
from hifazat.alerts.escalation.timers import arm, claim
from hifazat.alerts.models import Alert, AlertStatus, EscalationPolicy, EscalationTimer, TimerState
from hifazat.auth.policy import Principal, system_actor
from hifazat.core.db import utcnow
from hifazat.platform.db import unit_of_work
from hifazat.platform.fast_insert import insert_pending
from hifazat.platform.sqlite.api import let_urgent_through, run_background


@dataclass
class FirstPlan:
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
    involved: frozenset[str] = frozenset()  # agencies assigned to or guarding it: the event's audience
    alert: Alert | None = None  # as read (detached): `apply_first` writes from it if it is unchanged

    @classmethod
    def cancellation(cls, timer: EscalationTimer) -> FirstPlan:
        """The plan of a timer whose alert is no longer new (or gone): no levels, only the cancel."""
        return cls(timer.id, timer.alert_id, [], "", timer.due_at, [], [], [], None)


def plan_first(session: Session, *, now: datetime, limit: int = 50) -> list[FirstPlan]:
    """The read phase of level 0 for new alerts whose level-0 timer is due. Writes nothing, and lets an
    urgent request in flight (an SOS) have the interpreter before each alert's share of the work."""
    # alerts.service calls into escalation (raise, reopen): imported when used, not at load.
    from hifazat.alerts.involvement import involvement
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
    plans: list[FirstPlan] = []
    for timer in timers:
        let_urgent_through()
        alert = session.get(Alert, timer.alert_id)
        if alert is None or alert.status != AlertStatus.new.value:
            # Acknowledged (or gone) before its level 0 was told: the write phase cancels the timer.
            plans.append(FirstPlan.cancellation(timer))
            continue
        levels = levels_for(session, alert)
        if not levels:
            continue
        policy = (
            session.get(EscalationPolicy, alert.escalation_policy_id) if alert.escalation_policy_id else None
        )
        reason = raised_reason(policy)
        targets = levels[0]["targets"]
        plan = FirstPlan(
            timer_id=timer.id,
            alert_id=alert.id,
            levels=levels,
            reason=reason,
            created_at=alert.created_at,
            assigned=assignments_of(session, alert.id),
            shares=shared_with(session, alert.id),
            share_to=target_agencies(session, targets),
            prepared=None,
            alert=alert,
        )
        inv = involvement(session, alert, plan.shares)
        plan.involved = inv.assigned | inv.guards
        plans.append(plan)
        let_urgent_through()
        plan.prepared = notifications.prepare_targets(
            session, alert, targets, level=0, reason=reason, generation=0
        )
    return plans


def _write_first(session: Session, plan: FirstPlan, alert: Alert, actor: Principal) -> None:
    """Level 0's rows, left pending in the session (no statement): the caller writes them."""
    # alerts.service calls into escalation (raise, reopen): imported when used, not at load.
    from hifazat.alerts.service import _SHARES, add_event, emit_changed, share

    session.info.setdefault(_SHARES, {})[alert.id] = list(plan.shares)
    if len(plan.levels) > 1:
        arm(session, alert, 1, plan.created_at + timedelta(seconds=int(plan.levels[0]["timeout_s"])))
    added = share(session, alert, plan.share_to, "escalation level 0")
    emit_changed(session, alert, "notified", assignments=plan.assigned, involved=plan.involved)
    deliveries = notifications.write_targets(session, plan.prepared, claimed=True)
    info = {
        "level": 0,
        "targets": plan.levels[0]["targets"],
        "shared_with": added,
        "deliveries": deliveries,
    }
    add_event(session, alert, actor, "notified", note=plan.reason, data=info)


def _claim_unchanged(plan: FirstPlan, alert: Alert, worker: str) -> Any:
    """The claim of a level-0 timer that holds only while the alert is new and as it was read."""
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


class _Changed(Exception):
    """The alert changed (or its timer was taken) between `plan_first`'s read and the claim."""


def apply_first(plan: FirstPlan, actor: Principal, worker: str) -> bool:
    """The write phase of one plan, in transactions of its own; True when this worker told level 0.

    First from the alert as `plan_first` read it (once: a rollback expires it, so a try run again by
    `run_background` reads afresh): the rows are made before the claim, the transaction's first statement,
    and follow it by plain statements. If the claim does not hold (the alert changed, or another worker
    fired the timer), nothing was written, and the alert is read again: fired from what it is now if it is
    still new, the timer cancelled if it is not, nothing if another worker had it."""
    alert, plan.alert = plan.alert, None
    if plan.levels and alert is not None:
        try:
            with unit_of_work() as session:
                session.add(alert)  # loaded and detached: attached without a statement
                _write_first(session, plan, alert, actor)  # no statement yet
                with session.no_autoflush:  # the rows wait for the claim
                    claimed = session.execute(_claim_unchanged(plan, alert, worker))
                if claimed.rowcount != 1:  # type: ignore[attr-defined]
                    raise _Changed
                insert_pending(session)  # the audit entries linked to the chain last
            return True
        except _Changed:
            pass
    with unit_of_work() as session:
        fresh = session.get(Alert, plan.alert_id) if plan.levels else None
        if not claim(session, plan.timer_id, fresh, worker) or fresh is None:
            return False
        _write_first(session, plan, fresh, actor)
        insert_pending(session)
    return True


def fire_first(worker: str, *, now: datetime | None = None) -> list[tuple[str, int]]:
    """Level 0 of every new alert whose level-0 timer is due: one read-only transaction, then one short
    write per alert that gives the lock up to an SOS. Returns (alert, 0) for each this worker told."""
    actor = system_actor("escalation")
    with unit_of_work(readonly=True) as session:
        plans = plan_first(session, now=now or utcnow())

    def write(plan: FirstPlan) -> bool:
        let_urgent_through()
        return apply_first(plan, actor, worker)

    return [(plan.alert_id, 0) for plan in plans if run_background(functools.partial(write, plan))]
