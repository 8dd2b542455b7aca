"""Dashboard: /notifications (my notifications, live, and my preferences) and the webhooks of my agency's
tree (/webhooks, rendered by auth/record_pages.py through the same service functions as the API)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from hifazat.auth.policy import Principal, can_administer, require
from hifazat.auth.record_pages import AgencyRefs, Column, PageKind, Record, RefSource, add_record_routes
from hifazat.auth.web_session import PageUser, may, render
from hifazat.notify import service
from hifazat.notify.api import present_webhook
from hifazat.notify.models import Webhook
from hifazat.notify.schemas import SEVERITIES, USER_CHANNELS, WebhookIn, WebhookPatch
from hifazat.platform.deps import DbSession

TEMPLATES = Path(__file__).parent / "templates"  # notify/*.html; alert pages include the deliveries partial
router = APIRouter(include_in_schema=False)


@router.get("/notifications")
def notifications_page(request: Request, session: DbSession, principal: PageUser) -> HTMLResponse:
    prefs = service.get_preferences(session, principal) if principal.user_id else None
    return render(
        request,
        "notify/notifications.html",
        principal=principal,
        session=session,
        deliveries=service.my_deliveries(session, principal, 100),
        prefs=prefs.model_dump(mode="json") if prefs else None,
        channels=USER_CHANNELS,
        severities=SEVERITIES,
        show_recipient=False,
    )


# --- webhooks -------------------------------------------------------------------------------------------

WEBHOOKS = PageKind(
    "webhooks",
    "Webhooks",
    "webhook",
    (
        Column("name", "Name", link=True),
        Column("url", "URL"),
        Column("agency_id", "Agency"),
        Column("topics", "Topics"),
        Column("active", "Active", badge=True),
        Column("created_at", "Registered"),
    ),
    (),
    WebhookIn,
    WebhookPatch,
    "Name or URL",
)
REFS: Mapping[str, RefSource] = {"agencies": AgencyRefs(), "owner": AgencyRefs(owner=True)}


def _data(hook: Webhook) -> dict[str, Any]:
    # The secret is shown once, in the answer that created it (forms.js), never on a page.
    return present_webhook(hook).model_dump(mode="json", exclude={"secret"})


def _writable(principal: Principal, hook: Webhook) -> bool:
    return may(principal, "webhooks", "write") and can_administer(principal, hook.agency_id)


class WebhookRecords:
    """The webhooks `service.list_webhooks` lets the caller see; few per agency, so one page, no cursor."""

    def list_records(
        self,
        session: Session,
        principal: Principal,
        *,
        q: str | None,
        filters: dict[str, str | None],
        cursor: str | None,
        limit: int,
    ) -> tuple[list[dict[str, Any]], str | None]:
        require(principal, "webhooks", "read")
        hooks = service.list_webhooks(session, principal)
        if q:
            needle = q.casefold()
            hooks = [h for h in hooks if needle in h.name.casefold() or needle in h.url.casefold()]
        return [_data(h) for h in hooks[:limit]], None

    def get_record(self, session: Session, principal: Principal, entity_id: str) -> Record:
        require(principal, "webhooks", "read")
        hook = service.get_webhook(session, principal, entity_id)
        writable = _writable(principal, hook)
        return Record(_data(hook), writable, writable)


add_record_routes(router, WEBHOOKS, WebhookRecords(), REFS)
