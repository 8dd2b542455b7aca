"""Escalation: policies, persisted timers that climb once (even when workers race), shares to targets."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from hifazat.alerts import escalation
from hifazat.alerts.models import Alert, AlertEvent, EscalationTimer
from hifazat.auth.policy import system_actor
from hifazat.core.db import utcnow
from hifazat.notify.models import Delivery
from hifazat.platform import fast_insert as db
from hifazat.platform.audit import log as audit_service
from hifazat.platform.audit.models import AuditEntry
from hifazat.platform.db import get_engine, unit_of_work
from hifazat.platform.outbox import OutboxEvent
from tests.alerts.conftest import Scene, count, settle


def policy(scene: Scene, timeout: int = 60, **extra: Any) -> dict[str, Any]:
    w = scene.world
    body = {
        "name": "PSC SOS",
        "severity": "critical",
        "levels": [
            {"timeout_s": timeout, "targets": [{"kind": "role", "role": "operator"}]},
            {"timeout_s": timeout, "targets": [{"kind": "agency", "id": w.agency["police"]}]},
            {"timeout_s": timeout, "targets": [{"kind": "agency", "id": w.agency["embassy"]}]},
        ],
        **extra,
    }
    return scene.post("psc-admin", "/api/v1/escalation-policies", body)


def test_policy_validation(scene: Scene) -> None:
    h = scene.h("psc-admin")
    bad = [
        ({"name": "x", "levels": []}, "levels"),
        (
            {"name": "x", "levels": [{"timeout_s": 1, "targets": [{"kind": "role", "role": "operator"}]}]},
            "levels.0.timeout_s",
        ),
        ({"name": "x", "levels": [{"timeout_s": 60, "targets": [{"kind": "user"}]}]}, "levels.0.targets.0"),
        (
            {"name": "x", "levels": [{"timeout_s": 60, "targets": [{"kind": "user", "id": "ghost"}]}]},
            "levels.0",
        ),
        (
            {"name": "x", "levels": [{"timeout_s": 60, "targets": [{"kind": "role", "role": "pope"}]}]},
            "levels.0",
        ),
    ]
    for body, field in bad:
        r = scene.client.post("/api/v1/escalation-policies", headers=h, json=body)
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["field"].startswith(field), r.json()
    r = scene.client.post("/api/v1/escalation-policies", headers=scene.h("psc-operator"), json={"name": "x"})
    assert r.status_code in (403, 422)
    p = policy(scene)
    assert p["levels"][0]["targets"][0]["agency_id"] == scene.world.agency["psc"]
    r = scene.client.patch(f"/api/v1/escalation-policies/{p['id']}", headers=h, json={"active": False})
    assert r.status_code == 200
    assert r.json()["active"] is False
    other = scene.client.get(f"/api/v1/escalation-policies/{p['id']}", headers=scene.h("police-admin"))
    assert other.status_code == 404


def test_unacknowledged_alert_climbs_once_per_level_and_shares_with_targets(scene: Scene) -> None:
    policy(scene)
    a = scene.sos()
    assert a["escalation_level"] == 0
    liaison = scene.h("liaison")
    assert scene.client.get(f"/api/v1/alerts/{a['id']}", headers=liaison).status_code == 404
    now = datetime.fromisoformat(a["created_at"])  # the climb counts from the alert's creation
    assert escalation.climb("test", now=now + timedelta(seconds=59)) == []
    assert escalation.climb("test", now=now + timedelta(seconds=61)) == [(a["id"], 1)]
    assert escalation.climb("test", now=now + timedelta(seconds=61)) == []
    police = scene.client.get(f"/api/v1/alerts/{a['id']}", headers=scene.h("police-operator")).json()
    assert police["escalation_level"] == 1
    assert police["writable"] is True
    assert scene.world.agency["police"] in police["shared_with"]
    assert escalation.climb("test", now=now + timedelta(seconds=125)) == [(a["id"], 2)]
    seen = scene.client.get(f"/api/v1/alerts/{a['id']}", headers=liaison)
    assert seen.status_code == 200
    assert seen.json()["escalation_level"] == 2
    assert a["id"] in [x["id"] for x in scene.client.get("/api/v1/alerts", headers=liaison).json()["items"]]
    assert escalation.climb("test", now=now + timedelta(seconds=10_000)) == []  # no level 3
    assert count(AlertEvent, AlertEvent.alert_id == a["id"], AlertEvent.action == "escalated") == 2
    assert count(AuditEntry, AuditEntry.entity_id == a["id"], AuditEntry.action == "escalate") == 2
    scene.act("police-operator", a["id"], "acknowledge")


def test_the_cached_policy_choice_follows_every_policy_change(scene: Scene) -> None:
    # Every SOS reads the policy choice from a cache; creating, deactivating and deleting a policy clear it.
    h = scene.h("psc-admin")
    assert scene.sos()["escalation_policy_id"] is None
    p = policy(scene)
    assert scene.sos()["escalation_policy_id"] == p["id"]
    r = scene.client.patch(f"/api/v1/escalation-policies/{p['id']}", headers=h, json={"active": False})
    assert r.status_code == 200
    assert scene.sos()["escalation_policy_id"] is None
    r = scene.client.patch(f"/api/v1/escalation-policies/{p['id']}", headers=h, json={"active": True})
    assert scene.sos()["escalation_policy_id"] == p["id"]
    assert scene.client.delete(f"/api/v1/escalation-policies/{p['id']}", headers=h).status_code == 204
    assert scene.sos()["escalation_policy_id"] is None


def test_acknowledging_stops_the_climb(scene: Scene) -> None:
    policy(scene)
    a = scene.sos()
    scene.act("psc-operator", a["id"], "acknowledge")
    with unit_of_work() as s:
        assert escalation.pending_timers(s, a["id"]) == []
    assert escalation.climb("test", now=utcnow() + timedelta(hours=1)) == []


def test_without_a_policy_the_built_in_escalation_tells_the_parent(scene: Scene) -> None:
    a = scene.sos()
    assert a["escalation_policy_id"] is None
    with unit_of_work() as s:
        [timer] = escalation.pending_timers(s, a["id"])
        assert timer.level == 1
    assert escalation.climb("test", now=timer.due_at) == [(a["id"], 1)]
    root = scene.world.root_id
    got = scene.client.get(f"/api/v1/alerts/{a['id']}", headers=scene.h("psc-operator")).json()
    assert root in got["shared_with"]


def _race(run: Callable[[int], Any], workers: int = 4) -> None:
    """`run(n)` in `workers` threads let go at once, as that many workers' loops; re-raises what failed."""
    errors: list[BaseException] = []
    gate = threading.Barrier(workers)

    def worker(n: int) -> None:
        try:
            gate.wait()
            run(n)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors


def test_racing_workers_climb_a_level_exactly_once(scene: Scene) -> None:
    # Four workers' loops run the pass production runs (`tick`: level 0, then the climb) at once.
    policy(scene)
    alerts = [scene.sos()["id"] for _ in range(3)]
    for a in alerts:
        settle(a)  # level 0 told by the running loop first
    later = utcnow() + timedelta(seconds=61)
    _race(lambda n: escalation.tick(f"w{n}", now=later))
    for a in alerts:
        assert count(AuditEntry, AuditEntry.entity_id == a, AuditEntry.action == "escalate") == 1
        assert count(AlertEvent, AlertEvent.alert_id == a, AlertEvent.action == "escalated") == 1
        assert _timer_state(a, 1) == "fired"
        assert _timer_state(a, 2) == "pending"


def test_racing_workers_tell_level0_exactly_once(scene: Scene) -> None:
    # The pass a new alert's event wakes (`tick(known_due=True)`), in four workers at once.
    policy(scene)
    alerts = [scene.sos()["id"] for _ in range(3)]
    for a in alerts:
        settle(a)
    due = utcnow() + timedelta(hours=1)  # out of the running loop's reach
    before = {a: count(AlertEvent, AlertEvent.alert_id == a, AlertEvent.action == "notified") for a in alerts}
    for a in alerts:
        _rearm_level0(a, due)
    _race(lambda n: escalation.tick(f"w{n}", known_due=True, now=due + timedelta(seconds=1)))
    for a in alerts:
        assert count(AlertEvent, AlertEvent.alert_id == a, AlertEvent.action == "notified") == before[a] + 1
        assert _timer_state(a, 0) == "fired"
    with unit_of_work(readonly=True) as s:
        assert audit_service.verify(s).ok


def _wait_fired(timer_id: str, limit_s: float = 5.0) -> EscalationTimer:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        with unit_of_work(readonly=True) as s:
            t = s.get(EscalationTimer, timer_id)
            assert t is not None
            if t.state != "pending":
                return t
        time.sleep(0.05)
    raise AssertionError("timer did not fire")


def test_background_loop_fires_within_a_second_and_survives_restart(scene: Scene) -> None:
    policy(scene)
    a = scene.sos()
    with unit_of_work() as s:
        [timer] = escalation.pending_timers(s, a["id"])
        due = utcnow() + timedelta(seconds=0.4)
        s.execute(update(EscalationTimer).where(EscalationTimer.id == timer.id).values(due_at=due))
    fired = _wait_fired(timer.id)  # the running app's loop
    assert fired.state == "fired"
    assert fired.fired_at is not None
    assert (fired.fired_at - due).total_seconds() < 1.0
    # A timer that came due while no server ran fires when one starts.
    from hifazat.app import create_app

    with unit_of_work(readonly=True) as s:
        [nxt] = escalation.pending_timers(s, a["id"])
    with unit_of_work() as s:
        s.execute(update(EscalationTimer).where(EscalationTimer.id == nxt.id).values(due_at=utcnow()))
    with TestClient(create_app()):
        assert _wait_fired(nxt.id).state == "fired"
    with unit_of_work(readonly=True) as s:
        levels = s.scalars(select(EscalationTimer.level).where(EscalationTimer.state == "fired")).all()
    assert sorted(levels) == [0, 1, 2]  # level 0 (told at once), then two climbs, each once


def test_levels_are_notified_through_notify_and_listed_on_the_alert(scene: Scene) -> None:
    policy(scene)
    a = scene.sos()
    h = scene.h("psc-operator")
    got = scene.client.get(f"/api/v1/alerts/{a['id']}/deliveries", headers=h).json()
    assert got["available"] is True
    level0 = [d for d in got["items"] if d["reason"] == "level-0"]
    assert level0
    assert {d["recipient_kind"] for d in level0} >= {"user"}
    escalation.climb("test", now=utcnow() + timedelta(seconds=61))
    got = scene.client.get(f"/api/v1/alerts/{a['id']}/deliveries", headers=h).json()
    assert any(d["reason"] == "level-1" for d in got["items"])
    assert (
        scene.client.get(f"/api/v1/alerts/{a['id']}/deliveries", headers=scene.h("liaison")).status_code
        == 404
    )


def _rearm_level0(alert_id: str, due: datetime) -> None:
    with unit_of_work() as s:
        s.execute(
            update(EscalationTimer)
            .where(EscalationTimer.alert_id == alert_id, EscalationTimer.level == 0)
            .values(state="pending", due_at=due, fired_at=None, fired_by=None)
        )


def test_level0_in_two_phases_fires_once_and_not_after_acknowledgement(scene: Scene) -> None:
    """The loop reads level 0 without the write lock, then claims the timer in a short write: two workers
    that both read it fire it once, and an acknowledgement between the phases cancels it."""
    policy(scene)
    a = scene.sos()
    due = utcnow() + timedelta(hours=1)  # out of the running loop's reach
    later = due + timedelta(seconds=1)
    _rearm_level0(a["id"], due)
    with unit_of_work(readonly=True) as s:
        first = escalation.plan_first(s, now=later)
    with unit_of_work(readonly=True) as s:
        second = escalation.plan_first(s, now=later)
    assert [p.alert_id for p in first] == [p.alert_id for p in second] == [a["id"]]
    before = count(AlertEvent, AlertEvent.alert_id == a["id"], AlertEvent.action == "notified")
    actor = system_actor("escalation")
    outcomes = []
    for n, plans in enumerate((first, second)):
        outcomes.append(escalation.apply_first(plans[0], actor, f"w{n}"))
    assert outcomes == [True, False]
    assert count(AlertEvent, AlertEvent.alert_id == a["id"], AlertEvent.action == "notified") == before + 1
    # Its rows went in by plain statements (SQLite) with the audit entry left pending till then: the
    # deliveries are there, their enqueue is audited once (a second fire finds the same keys), and the
    # chain still verifies.
    assert count(Delivery, Delivery.ref_id == a["id"]) >= 1
    assert (
        count(AuditEntry, AuditEntry.entity_id == a["id"], AuditEntry.action == "enqueue") == 1
    )  # once: same keys
    with unit_of_work(readonly=True) as s:
        assert audit_service.verify(s).ok
    assert escalation.fire_first("w3", now=later) == []  # nothing pending any more

    _rearm_level0(a["id"], due)
    with unit_of_work(readonly=True) as s:
        plans = escalation.plan_first(s, now=later)
    scene.act("psc-operator", a["id"], "acknowledge")
    assert escalation.apply_first(plans[0], actor, "w4") is False
    with unit_of_work(readonly=True) as s:
        state = s.scalar(
            select(EscalationTimer.state).where(
                EscalationTimer.alert_id == a["id"], EscalationTimer.level == 0
            )
        )
    assert state in ("pending", "cancelled")  # acknowledging cancels pending timers; never fired twice
    assert count(AlertEvent, AlertEvent.alert_id == a["id"], AlertEvent.action == "notified") == before + 1


def test_level0_rows_are_made_before_its_write_begins_and_a_change_since_the_read_is_respected(
    scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Level 0's rows are made from the alert as read before its write transaction's first statement, the
    claim (on SQLite the write lock is taken there); the claim fires only an unchanged, still-new alert,
    and otherwise level 0 is done again from a fresh read, still once."""
    policy(scene)
    a = scene.sos()
    settle(a["id"])  # the running loop's own level 0 first
    due = utcnow() + timedelta(hours=1)  # out of the running loop's reach
    later = due + timedelta(seconds=1)
    actor = system_actor("escalation")
    engine = get_engine()
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if threading.current_thread() is here:  # not the running app's own loops
            statements.append(" ".join(statement.split())[:60])

    here = threading.current_thread()

    _rearm_level0(a["id"], due)
    with unit_of_work(readonly=True) as s:
        (plan,) = escalation.plan_first(s, now=later)
    before = count(AlertEvent, AlertEvent.alert_id == a["id"], AlertEvent.action == "notified")
    plain = db._sqlite_execute  # SQLite's hot statements go straight to the driver's cursor

    def plain_seen(session: Any, sql: str, params: Any) -> Any:
        seen(None, None, sql)
        return plain(session, sql, params)

    def apply(plan: escalation.FirstPlan, worker: str) -> tuple[bool, list[str]]:
        statements.clear()
        event.listen(engine, "before_cursor_execute", seen)
        monkeypatch.setattr(db, "_sqlite_execute", plain_seen)
        try:
            done = escalation.apply_first(plan, actor, worker)
        finally:
            event.remove(engine, "before_cursor_execute", seen)
            monkeypatch.undo()
        return done, [x for x in statements if not x.upper().startswith(("BEGIN", "PRAGMA"))]

    done, work = apply(plan, "w1")
    assert done is True
    assert work[0].startswith("UPDATE escalation_timers"), work
    assert any(x.startswith(("INSERT INTO alert_events", "WITH row0")) for x in work[1:]), work
    assert plan.alert is None  # used once: a retry reads afresh, and finds the timer fired
    assert escalation.apply_first(plan, actor, "w2") is False  # read again: fired already
    assert count(AlertEvent, AlertEvent.alert_id == a["id"], AlertEvent.action == "notified") == before + 1
    with unit_of_work(readonly=True) as s:
        assert audit_service.verify(s).ok

    # Changed between the read and the claim (a new updated_at, still new): the claim made from the read
    # does not hold and nothing of it is written; read again, the alert is told once, as it is now.
    _rearm_level0(a["id"], due)
    with unit_of_work(readonly=True) as s:
        (plan,) = escalation.plan_first(s, now=later)
    with unit_of_work() as s:
        s.execute(update(Alert).where(Alert.id == a["id"]).values(updated_at=utcnow(), title="SOS: moved"))
    done, work = apply(plan, "w3")
    assert done is True
    claims = [n for n, x in enumerate(work) if x.startswith("UPDATE escalation_timers")]
    assert len(claims) == 2, work  # the claim from the read, then the one read afresh
    assert claims[0] == 0, work
    assert not any(x.startswith(("INSERT", "WITH row0")) for x in work[: claims[1]]), work
    assert _timer_state(a["id"], 0) == "fired"
    assert count(AlertEvent, AlertEvent.alert_id == a["id"], AlertEvent.action == "notified") == before + 2
    with unit_of_work(readonly=True) as s:
        out = s.scalars(
            select(OutboxEvent.payload)
            .where(OutboxEvent.subject == "alerts.changed")
            .order_by(OutboxEvent.seq)
        ).all()
        assert out[-1]["change"] == "notified"
        assert out[-1]["title"] == "SOS: moved"
        assert audit_service.verify(s).ok


def _timer_state(alert_id: str, level: int) -> str | None:
    with unit_of_work(readonly=True) as s:
        return s.scalar(
            select(EscalationTimer.state).where(
                EscalationTimer.alert_id == alert_id, EscalationTimer.level == level
            )
        )


def test_fire_first_cancels_level0_of_an_alert_no_longer_new(scene: Scene) -> None:
    # The loop's level-0 path is the only one for level 0: a timer left pending on an acknowledged alert
    # must end as cancelled there, never stay pending (it would take a place in every later read).
    a = scene.sos()
    scene.act("psc-operator", a["id"], "acknowledge")
    due = utcnow() + timedelta(hours=1)
    _rearm_level0(a["id"], due)
    before = count(AlertEvent, AlertEvent.alert_id == a["id"], AlertEvent.action == "notified")
    assert escalation.fire_first("w1", now=due + timedelta(seconds=1)) == []
    assert _timer_state(a["id"], 0) == "cancelled"
    assert count(AlertEvent, AlertEvent.alert_id == a["id"], AlertEvent.action == "notified") == before


def test_the_loops_climb_takes_one_timer_per_transaction_and_leaves_level0_alone(scene: Scene) -> None:
    policy(scene)
    a, b = scene.sos(), scene.sos()
    far = utcnow() + timedelta(hours=1)  # out of the running loop's reach
    _rearm_level0(b["id"], far)
    commits: list[int] = []

    def on_commit(_session: Any) -> None:
        commits.append(1)

    later = far + timedelta(seconds=1)
    event.listen(Session, "after_commit", on_commit)
    try:
        fired = escalation.climb("w1", now=later)
    finally:
        event.remove(Session, "after_commit", on_commit)
    assert sorted(fired) == sorted([(a["id"], 1), (b["id"], 1)])
    assert len(commits) >= 3  # the read, then one write per timer
    assert _timer_state(b["id"], 0) == "pending"  # level 0 is fire_first's
    assert escalation.climb("w2", now=later) == []  # each fired once
    assert [x for x in escalation.fire_first("w3", now=later) if x[0] == b["id"]] == [(b["id"], 0)]
