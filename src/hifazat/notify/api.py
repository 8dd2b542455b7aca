"""Routes: /deliveries, /me/notification-preferences, /users/{id}/notification-preferences, /webhooks."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from hifazat.auth.deps import CurrentUser
from hifazat.core.errors import invalid
from hifazat.notify import service
from hifazat.notify.models import Webhook
from hifazat.notify.presentation import present_delivery, recipient_names
from hifazat.notify.schemas import (
    PreferencesIn,
    PreferencesOut,
    WebhookIn,
    WebhookOut,
    WebhookPatch,
)
from hifazat.platform.deps import DbSession

router = APIRouter(prefix="/api/v1", tags=["notifications"])
Ref = Annotated[str | None, Query(max_length=120, pattern=r"^\S+$")]


def present_webhook(h: Webhook, secret: str | None = None) -> WebhookOut:
    return WebhookOut(
        id=h.id,
        agency_id=h.agency_id,
        name=h.name,
        url=h.url,
        topics=list(h.topics or []),
        active=h.active,
        created_at=h.created_at,
        secret=secret,
    )


@router.get("/deliveries")
def list_deliveries(
    session: DbSession,
    principal: CurrentUser,
    ref_kind: Ref = None,
    ref_id: Ref = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    """Delivery state (pending, sending, delivered, retrying, failed; attempts, last error, times).

    With `ref_kind` and `ref_id`: every delivery about that record if you may see it, else only yours.
    Without them: the notifications sent to you, newest first.
    """
    if (ref_kind is None) != (ref_id is None):
        field = "ref_id" if ref_id is None else "ref_kind"
        raise invalid(field, "ref_kind and ref_id go together")
    if ref_kind is not None and ref_id is not None:
        rows = service.visible_deliveries(session, principal, ref_kind, ref_id)[:limit]
    else:
        rows = service.my_deliveries(session, principal, limit)
    names = recipient_names(session, principal, rows)
    return {"items": [present_delivery(d, principal, names).model_dump(mode="json") for d in rows]}


@router.get("/me/notification-preferences", response_model=PreferencesOut)
def my_preferences(session: DbSession, principal: CurrentUser) -> PreferencesOut:
    """Your channels per severity and topic, email address and quiet hours (defaults until you set them)."""
    return service.get_preferences(session, principal)


@router.put("/me/notification-preferences", response_model=PreferencesOut)
def set_my_preferences(body: PreferencesIn, session: DbSession, principal: CurrentUser) -> PreferencesOut:
    """Replace your notification preferences. Critical notifications ignore quiet hours."""
    return service.set_preferences(session, principal, body)


@router.get("/users/{user_id}/notification-preferences", response_model=PreferencesOut)
def user_preferences(user_id: str, session: DbSession, principal: CurrentUser) -> PreferencesOut:
    """An admin reads the preferences of a user of an agency they administer."""
    return service.get_preferences(session, principal, user_id)


@router.put("/users/{user_id}/notification-preferences", response_model=PreferencesOut)
def set_user_preferences(
    user_id: str, body: PreferencesIn, session: DbSession, principal: CurrentUser
) -> PreferencesOut:
    """An admin sets the preferences of a user of an agency they administer."""
    return service.set_preferences(session, principal, body, user_id)


@router.get("/webhooks", tags=["webhooks"])
def list_webhooks(session: DbSession, principal: CurrentUser) -> dict[str, Any]:
    """Webhooks registered by your agency (and the agencies below it)."""
    return {
        "items": [
            present_webhook(h).model_dump(mode="json") for h in service.list_webhooks(session, principal)
        ]
    }


@router.post("/webhooks", status_code=201, response_model=WebhookOut, tags=["webhooks"])
def create_webhook(body: WebhookIn, session: DbSession, principal: CurrentUser) -> WebhookOut:
    """Register an endpoint. The signing secret is returned in this answer only."""
    hook, secret = service.create_webhook(session, principal, body)
    return present_webhook(hook, secret)


@router.get("/webhooks/{hook_id}", response_model=WebhookOut, tags=["webhooks"])
def read_webhook(hook_id: str, session: DbSession, principal: CurrentUser) -> WebhookOut:
    return present_webhook(service.get_webhook(session, principal, hook_id))


@router.patch("/webhooks/{hook_id}", response_model=WebhookOut, tags=["webhooks"])
def update_webhook(
    hook_id: str, body: WebhookPatch, session: DbSession, principal: CurrentUser
) -> WebhookOut:
    """Change the URL, topics, name, active flag, or rotate the secret (returned once)."""
    hook, secret = service.update_webhook(session, principal, hook_id, body)
    return present_webhook(hook, secret)


@router.delete("/webhooks/{hook_id}", status_code=204, tags=["webhooks"])
def delete_webhook(hook_id: str, session: DbSession, principal: CurrentUser) -> Response:
    service.delete_webhook(session, principal, hook_id)
    return Response(status_code=204)
