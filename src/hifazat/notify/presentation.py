"""How a delivery is shown to a caller: its target and error text only within the recipient's agency tree.

Whoever may see the record a delivery is about sees that each recipient was notified and how it went; where
the notification went (a webhook's URL, an email address, a device topic) and why a send failed belong to
the recipient's agency (`policy.sees_target_of`) and to the recipient themselves. The API, the alert's
deliveries, the pages and the live `delivery` event all present deliveries through this module.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from hifazat.auth.labels import labels, labels_for
from hifazat.auth.policy import Principal, sees_target_of
from hifazat.notify.models import Delivery
from hifazat.notify.schemas import DeliveryOut

HIDDEN_OUTSIDE_TREE = ("address", "last_error")
# What a recipient not the caller's to name is called (a webhook outside the tree: its agency labels it).
_UNNAMED = {
    "user": "a user",
    "unit": "a unit",
    "device": "a device",
    "webhook": "a webhook",
    "agency": "an agency",
}

Names = Mapping[str, tuple[str, str | None]]  # delivery id -> (recipient label, recipient agency label)


def recipient_names(session: Session, principal: Principal, deliveries: Iterable[Delivery]) -> Names:
    """Each delivery's recipient and its agency by name, through the labelers, so a name the caller may
    not read (a user or webhook of another agency's tree) comes out as "a user of <agency>"."""
    rows = list(deliveries)
    found = labels_for(
        session,
        principal,
        [("users", d.user_id) for d in rows]
        + [(d.recipient_kind + "s", d.recipient_id) for d in rows if d.recipient_kind != "user"],
    )
    agencies = labels(session, principal, "agencies", [d.agency_id for d in rows])
    out: dict[str, tuple[str, str | None]] = {}
    for d in rows:
        key = ("users", d.user_id) if d.user_id else (d.recipient_kind + "s", d.recipient_id)
        agency = agencies.get(d.agency_id) if d.agency_id else None
        fallback = _UNNAMED.get(d.recipient_kind, "a recipient") + (f" of {agency}" if agency else "")
        out[d.id] = (found.get(key, fallback) if key[1] else fallback, agency)
    return out


def _sees_target(principal: Principal, agency_id: str | None, user_id: str | None) -> bool:
    """The recipient's agency tree (the policy's rule), and the recipient user themselves."""
    own = user_id is not None and user_id == principal.user_id
    return own or sees_target_of(principal, agency_id)


def hidden_fields(d: Delivery, principal: Principal) -> tuple[str, ...]:
    """The fields of this delivery the caller may not see (none for the recipient's tree)."""
    return () if _sees_target(principal, d.agency_id, d.user_id) else HIDDEN_OUTSIDE_TREE


def present_delivery(d: Delivery, principal: Principal, names: Names | None = None) -> DeliveryOut:
    out = DeliveryOut.model_validate(d, from_attributes=True)
    if names is not None and d.id in names:
        label, agency = names[d.id]
        out = out.model_copy(update={"recipient_label": label, "recipient_agency_label": agency})
    hidden = hidden_fields(d, principal)
    if not hidden:
        return out
    return out.model_copy(update={**dict.fromkeys(hidden), "redacted": list(hidden)})


def delivery_row(d: Delivery, principal: Principal, names: Names | None = None) -> dict[str, Any]:
    """The short form a record's page and its deliveries endpoint list (the alert's)."""
    hidden = hidden_fields(d, principal)
    label, agency = (names or {}).get(d.id, (None, None))
    return {
        "id": d.id,
        "channel": d.channel,
        "recipient_kind": d.recipient_kind,
        "recipient_id": d.recipient_id,
        "recipient_label": label,
        "agency_id": d.agency_id,
        "recipient_agency_label": agency,
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
