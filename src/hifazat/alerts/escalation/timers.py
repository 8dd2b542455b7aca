"""Escalation timers: a row per level due (`escalation_timers`, pending until fired or cancelled), written
in the transaction that raises the alert or climbs a level, and the climb of levels 1 and up.

A timer fires once however many workers race for it: the worker that flips it `pending -> fired` with a
conditional UPDATE whose rowcount is one acts, the others see zero and do nothing; a restart loses nothing
(the row waits). Level 0 of a new alert is `first.py`'s.
"""

from __future__ import annotations

import functools
import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hifazat.alerts import notifications
from hifazat.alerts.escalation.policies import levels_for, raised_reason, select_policy, target_agencies
from hifazat.alerts.models import Alert, AlertStatus, EscalationTimer, TimerState
from hifazat.auth.policy import Principal, system_actor
from hifazat.core.db import utcnow
from hifazat.platform.audit.writes import audited_action
from hifazat.platform.db import unit_of_work
from hifazat.platform.sqlite.api import let_urgent_through, run_background

log = logging.getLogger("hifazat.alerts.escalation")


def arm(session: Session, alert: Alert, level: int, due: datetime) -> EscalationTimer:
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


def claim(session: Session, timer_id: str, alert: Alert | None, worker: str) -> bool:
    """Flip a pending timer once across workers: fired while its alert is still new, cancelled otherwise
    (or when it is gone). True when this worker fired it."""
    still_new = alert is not None and alert.status == AlertStatus.new.value
    flipped = session.execute(
        update(EscalationTimer)
        .where(EscalationTimer.id == timer_id, EscalationTimer.state == TimerState.pending.value)
        .values(
            state=TimerState.fired.value if still_new else TimerState.cancelled.value,
            fired_at=utcnow(),
            fired_by=worker[:120],
        )
        .execution_options(synchronize_session=False)
    )
    return flipped.rowcount == 1 and still_new  # type: ignore[attr-defined]


def notify_level(
    session: Session,
    alert: Alert,
    level: int,
    actor: Principal,
    reason: str,
    *,
    levels: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Tell the targets of one level: share the alert with their agencies and queue their notifications."""
    # alerts.service calls into escalation (raise, reopen): imported when used, not at load.
    from hifazat.alerts.service import add_event, share

    levels = levels if levels is not None else levels_for(session, alert)
    targets = levels[level]["targets"] if level < len(levels) else []
    added = share(session, alert, target_agencies(session, targets), f"escalation level {level}")
    deliveries = notifications.notify_targets(session, alert, targets, level=level, reason=reason)
    info = {"level": level, "targets": targets, "shared_with": added, "deliveries": deliveries}
    add_event(session, alert, actor, "escalated" if level > 0 else "notified", note=reason, data=info)
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
    from the alert's creation time (`first.py`). Otherwise (a false alarm reopened) level 0 is told at once.
    """
    now = now or utcnow()
    if fresh:
        arm(session, alert, 0, now)
        return
    policy = select_policy(session, alert)
    alert.escalation_policy_id = policy.id if policy else None
    alert.escalation_level = 0
    cancel(session, alert)
    levels = levels_for(session, alert)
    notify_level(session, alert, 0, actor, raised_reason(policy))
    if len(levels) > 1:
        arm(session, alert, 1, now + timedelta(seconds=int(levels[0]["timeout_s"])))


def climb(worker: str, *, now: datetime | None = None, limit: int = 50) -> list[tuple[str, int]]:
    """Levels 1 and up of unacknowledged alerts whose timer is due: the due timers read without the write
    lock, then one short transaction per timer that gives the lock up to an SOS, never one long transaction
    for a whole burst of alerts. Returns (alert, level) for each level this worker fired."""
    now = now or utcnow()
    actor = system_actor("escalation")
    with unit_of_work(readonly=True) as session:
        ids = session.scalars(
            select(EscalationTimer.id)
            .where(
                EscalationTimer.state == TimerState.pending.value,
                EscalationTimer.due_at <= now,
                EscalationTimer.level >= 1,
            )
            .order_by(EscalationTimer.due_at)
            .limit(limit)
        ).all()

    def write(timer_id: str) -> tuple[str, int] | None:
        let_urgent_through()
        with unit_of_work() as session:
            timer = session.get(EscalationTimer, timer_id)
            if timer is None or timer.state != TimerState.pending.value:
                return None  # another worker had it
            return _fire(session, timer, now, worker, actor)

    fired = [run_background(functools.partial(write, timer_id)) for timer_id in ids]
    return [f for f in fired if f is not None]


def _fire(
    session: Session, timer: EscalationTimer, now: datetime, worker: str, actor: Principal
) -> tuple[str, int] | None:
    # alerts.service calls into escalation (raise, reopen): imported when used, not at load.
    from hifazat.alerts.service import emit_changed

    alert = session.get(Alert, timer.alert_id)
    if not claim(session, timer.id, alert, worker) or alert is None:
        return None  # another worker had it, or the alert was acknowledged meanwhile
    levels = levels_for(session, alert)
    if timer.level >= len(levels):
        return None
    late_ms = (utcnow() - timer.due_at).total_seconds() * 1000
    alert.escalation_level = timer.level
    alert.updated_at = utcnow()
    reason = f"not acknowledged within {levels[timer.level - 1]['timeout_s']} s"
    notify_level(session, alert, timer.level, actor, reason)
    audited_action(
        session,
        principal=actor,
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
        arm(session, alert, timer.level + 1, now + timedelta(seconds=int(levels[timer.level]["timeout_s"])))
    session.flush()
    emit_changed(session, alert, "escalated")
    log.info(
        "alert escalated",
        extra={"alert_id": alert.id, "level": timer.level, "late_ms": round(late_ms, 1)},
    )
    return (alert.id, timer.level)
