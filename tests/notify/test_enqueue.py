"""enqueue: recipients resolve to users and channels per preference; rows are the outbox; idempotent."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from hifazat.auth.models import User
from hifazat.config import Settings
from hifazat.core.errors import Problem
from hifazat.notify import service
from hifazat.notify.models import Delivery, NotificationPreference
from hifazat.notify.schemas import Recipient
from hifazat.platform.db import unit_of_work
from hifazat.platform.outbox import OutboxEvent
from tests.notify.conftest import Org


def _user(session: Any, username: str) -> User:
    u = session.scalar(select(User).where(User.username == username))
    assert u is not None
    return u


def _quiet_now() -> dict[str, str]:
    """Quiet hours from an hour ago to an hour ahead (UTC): now is always inside."""
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    return {
        "start": (now - timedelta(hours=1)).strftime("%H:%M"),
        "end": (now + timedelta(hours=1)).strftime("%H:%M"),
        "timezone": "UTC",
    }


def _alert_payload(org: Org, severity: str = "critical") -> dict[str, Any]:
    return {
        "id": "a1",
        "agency_id": org.agency["police"],
        "severity": severity,
        "kind": "sos",
        "title": "SOS",
    }


def test_enqueue_resolves_role_to_users_and_channels(org: Org, notify_env: Settings) -> None:
    with unit_of_work() as s:
        op = _user(s, "police-operator")
        op.email = "op@police.example"
        rows = service.enqueue(
            s,
            ref_kind="alert",
            ref_id="a1",
            topic="alert",
            payload=_alert_payload(org),
            recipients=[Recipient(role="operator", agency_id=org.agency["police"])],
            reason="raised",
        )
        op_id = op.id
    assert sorted((d.channel, d.user_id) for d in rows) == [("email", op_id), ("stream", op_id)]
    by = {d.channel: d for d in rows}
    assert by["stream"].status == "delivered"  # published through the event outbox in this transaction
    assert by["email"].status == "pending"
    assert by["email"].address == "op@police.example"
    assert by["email"].idempotency_key == f"alert:a1:raised:user:{op_id}:email"
    with unit_of_work() as s:
        ev = s.scalars(select(OutboxEvent).where(OutboxEvent.subject == "notify.notification")).all()
        assert len(ev) == 1
        assert ev[0].payload["user_id"] == op_id
        assert ev[0].payload["agency_id"] == org.agency["police"]


def test_enqueue_twice_is_a_no_op(org: Org, notify_env: Settings) -> None:
    kwargs: dict[str, Any] = dict(
        ref_kind="alert",
        ref_id="a2",
        topic="alert",
        payload=_alert_payload(org),
        recipients=[
            Recipient(agency_id=org.agency["psc"]),
            Recipient(role="operator", agency_id=org.agency["psc"]),
        ],
        reason="raised",
    )
    with unit_of_work() as s:
        first = service.enqueue(s, **kwargs)
    with unit_of_work() as s:
        second = service.enqueue(s, **kwargs)
        total = s.scalar(select(func.count()).select_from(Delivery))
    assert [d.id for d in first] == [d.id for d in second]
    assert total == len(first) == 1  # the operator via agency and via role: one stream delivery
    assert len({d.idempotency_key for d in first}) == len(first)


def test_preferences_choose_channels_and_quiet_hours_hold_non_critical(
    org: Org, notify_env: Settings
) -> None:
    with unit_of_work() as s:
        op = _user(s, "police-operator")
        op.email = "op@police.example"
        s.add(
            NotificationPreference(
                user_id=op.id,
                agency_id=op.agency_id,
                email="night@police.example",
                channels={
                    "stream": {"enabled": False, "min_severity": "info"},
                    "email": {"enabled": True, "min_severity": "low"},
                },
                topics={},
                quiet_hours=_quiet_now(),
            )
        )
    with unit_of_work() as s:
        low = service.enqueue(
            s,
            ref_kind="alert",
            ref_id="a3",
            topic="alert",
            payload=_alert_payload(org, "low"),
            recipients=[Recipient(user_id=op.id)],
            reason="raised",
        )
        crit = service.enqueue(
            s,
            ref_kind="alert",
            ref_id="a4",
            topic="alert",
            payload=_alert_payload(org, "critical"),
            recipients=[Recipient(user_id=op.id)],
            reason="raised",
        )
    assert [(d.channel, d.address) for d in low] == [("email", "night@police.example")]
    assert low[0].next_attempt_at > low[0].created_at  # held until quiet hours end
    assert [d.channel for d in crit] == ["email"]
    assert crit[0].next_attempt_at == crit[0].created_at  # critical ignores quiet hours


def test_bad_input_is_rejected_and_writes_nothing(org: Org, notify_env: Settings) -> None:
    with pytest.raises(ValueError, match="exactly one"):
        Recipient(user_id="u", agency_id="a")
    with pytest.raises(ValueError, match="agency"):
        Recipient(role="operator")
    with pytest.raises(Problem) as exc, unit_of_work() as s:
        service.enqueue(
            s, ref_kind="alert", ref_id="", topic="alert", payload={}, recipients=[], reason="raised"
        )
    assert exc.value.status == 422
    assert exc.value.errors == [{"field": "ref_id", "reason": "must be a non-empty string"}]
    with pytest.raises(Problem), unit_of_work() as s:
        service.enqueue(
            s,
            ref_kind="alert",
            ref_id="a5",
            topic="alert",
            payload={"x": object()},
            recipients=[Recipient(agency_id=org.agency["police"])],
            reason="raised",
        )
    with unit_of_work() as s:
        assert s.scalar(select(func.count()).select_from(Delivery)) == 0


def test_key_parts_are_bounded(org: Org, notify_env: Settings) -> None:
    for field, value in (
        ("ref_kind", "k" * 41),
        ("ref_id", "i" * 65),
        ("topic", "t" * 61),
        ("reason", "two words"),
    ):
        kwargs: dict[str, Any] = dict(ref_kind="alert", ref_id="a9", topic="alert", reason="raised")
        kwargs[field] = value
        with pytest.raises(Problem) as exc, unit_of_work() as s:
            service.enqueue(s, payload={}, recipients=[Recipient(agency_id=org.agency["police"])], **kwargs)
        assert exc.value.errors is not None
        assert exc.value.errors[0]["field"] == field
