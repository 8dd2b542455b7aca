"""How a delivery is shown to a caller: its target and error text only within the recipient's agency tree.

Whoever may see the record a delivery is about sees that each recipient was notified and how it went; where
the notification went (a webhook's URL, an email address, a device topic) and why a send failed belong to
the recipient's agency (`policy.sees_target_of`) and to the recipient themselves. The API, the alert's
deliveries, the pages and the live `delivery` event all present deliveries through this module.
"""

from __future__ import annotations

from typing import Any

from hifazat.auth.policy import Principal, sees_target_of
from hifazat.notify.models import Delivery
from hifazat.notify.schemas import DeliveryOut

HIDDEN_OUTSIDE_TREE = ("address", "last_error")


def _sees_target(principal: Principal, agency_id: str | None, user_id: str | None) -> bool:
    """The recipient's agency tree (the policy's rule), and the recipient user themselves."""
    own = user_id is not None and user_id == principal.user_id
    return own or sees_target_of(principal, agency_id)


def hidden_fields(d: Delivery, principal: Principal) -> tuple[str, ...]:
    """The fields of this delivery the caller may not see (none for the recipient's tree)."""
    return () if _sees_target(principal, d.agency_id, d.user_id) else HIDDEN_OUTSIDE_TREE


def present_delivery(d: Delivery, principal: Principal) -> DeliveryOut:
    out = DeliveryOut.model_validate(d, from_attributes=True)
    hidden = hidden_fields(d, principal)
    if not hidden:
        return out
    return out.model_copy(update={**dict.fromkeys(hidden), "redacted": list(hidden)})


def delivery_row(d: Delivery, principal: Principal) -> dict[str, Any]:
    """The short form a record's page and its deliveries endpoint list (the alert's)."""
    hidden = hidden_fields(d, principal)
    return {
        "id": d.id,
        "channel": d.channel,
        "recipient_kind": d.recipient_kind,
        "recipient_id": d.recipient_id,
        "agency_id": d.agency_id,
        "address": None if "address" in hidden else d.address,
        "reason": d.reason,
        "status": d.status,
        "attempts": d.attempts,
        "last_error": None if "last_error" in hidden else d.last_error,
        "redacted": list(hidden),
        "created_at": d.created_at.isoformat() if d.created_at else None,
    }


def delivery_event_for(data: dict[str, Any], principal: Principal) -> dict[str, Any]:
    """The live `delivery` event as one subscriber sees it (the stream route's transform)."""
    if _sees_target(principal, data.get("recipient_agency_id"), data.get("recipient_user_id")):
        return data
    return {**data, "last_error": None}
