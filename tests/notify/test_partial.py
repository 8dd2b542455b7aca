"""The deliveries table partial renders Delivery rows and the alert page's dicts alike."""

from __future__ import annotations

from datetime import UTC, datetime

from hifazat.notify.models import Delivery
from hifazat.notify.pages import TEMPLATES
from hifazat.web.templating import add_template_dir, env  # env has the `when` filter

add_template_dir(TEMPLATES)  # as the notify domain does when the app is built


def _render(**ctx: object) -> str:
    return env.get_template("notify/_deliveries.html").render(**ctx)


def test_partial_with_rows_and_dicts() -> None:
    at = datetime(2026, 11, 29, 20, 0, tzinfo=UTC)
    row = Delivery(
        id="d1",
        channel="webhook",
        recipient_kind="webhook",
        address="https://ops.example/<hook>",
        reason="level-0",
        status="retrying",
        attempts=2,
        max_attempts=8,
        last_error="HTTP 503 from receiver",
        created_at=at,
        delivered_at=None,
        failed_at=None,
    )
    html = _render(deliveries=[row], show_recipient=True)
    assert 'data-delivery-id="d1"' in html
    assert "2/8" in html
    assert "HTTP 503 from receiver" in html
    assert "2026-11-29 20:00 UTC" in html
    assert "b-suspended" in html
    assert "&lt;hook&gt;" in html  # escaped
    as_dict = {
        "id": "d2",
        "channel": "email",
        "recipient_kind": "user",
        "recipient_id": "u1",
        "address": "duty@psc.example",
        "reason": "level-1",
        "status": "delivered",
        "attempts": 1,
        "last_error": None,
        "created_at": at.isoformat(),
    }
    html = _render(deliveries=[as_dict])
    assert 'data-delivery-id="d2"' in html
    assert "b-ok" in html
    assert "duty@psc.example" not in html
    assert "No notifications." in _render(deliveries=[])
