"""The live stream channel: notifications reach dashboards as the SSE event `notification`.

Stream deliveries are published through the event outbox in the very transaction that enqueues them
(see service.enqueue), so they are as durable as the record that caused them. The stream shows a
notification only to its user (`user_id`) — or, when it has none, to the dashboards of its agency.
Delivery state changes go out as the SSE event `delivery` to whoever may see the referenced record.
"""

from __future__ import annotations

from hifazat.notify.presentation import delivery_event_for
from hifazat.platform import stream

NOTIFICATION_EVENT = "notification"
DELIVERY_EVENT = "delivery"


STREAM_ROUTES = (
    stream.StreamRoute("notify.notification", NOTIFICATION_EVENT, "notifications", personal=True),
    # Its error text only for the recipient's agency tree (presentation.py).
    stream.StreamRoute("notify.delivery", DELIVERY_EVENT, "deliveries", transform=delivery_event_for),
)
