"""Dashboard: /notifications (my notifications, live, and my preferences)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from hifazat.auth.web_session import PageUser, render
from hifazat.notify import service
from hifazat.notify.schemas import SEVERITIES, USER_CHANNELS
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
