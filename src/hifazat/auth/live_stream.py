"""GET /api/v1/stream: server-sent events for dashboards, filtered by the same policy as every read.

An event's payload carries its record's scope (`agency_id`, `province`, `district`, see
`hifazat.core.scope.Scope`) and, under internal keys, its `Audience` (explicit shares, summary fields); the
stream decides per subscriber from those alone, by the same policy as every read (`policy.view_in`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from hifazat.auth.deps import CurrentUser
from hifazat.auth.policy import Principal, View, declared_roles, view_in
from hifazat.auth.service import bearer_of, principal_for_token
from hifazat.core.scope import Scope
from hifazat.platform import stream as live
from hifazat.platform.bus import Event, get_bus
from hifazat.platform.db import session_factory
from hifazat.platform.stream import Audience, StreamRoute

router = APIRouter(prefix="/api/v1", tags=["stream"])


def visible_payload(event: Event, route: StreamRoute, principal: Principal) -> dict[str, Any] | None:
    """The payload as this subscriber may see it, or None. Keys starting with '_' are internal."""
    payload = event.payload
    if route.personal and payload.get("user_id") is not None and payload["user_id"] != principal.user_id:
        return None
    readers = declared_roles(route.kind, "read")  # roles judged per event: a removed role stops it at once
    if readers is not None and not principal.has(*readers):
        return None
    audience = Audience.of_wire(payload)
    view = view_in(Scope.of_payload(payload), route.kind, principal, payload.get)
    if view is None and principal.tree & set(audience.shared_with):
        view = View("full")  # an explicit per-record share (e.g. an alert escalated to this agency)
    if view is None:
        return None
    data = {k: v for k, v in payload.items() if not k.startswith("_")}
    if view.level != "full":
        keep = set(audience.summary or ()) | {"id", "agency_id"}
        data = {k: v for k, v in data.items() if k in keep}
    for k in view.redact:
        if k in data:
            data[k] = None
    return route.transform(data, principal) if route.transform is not None else data


@router.get("/stream")
async def stream(
    request: Request,
    principal: CurrentUser,
    events: Annotated[
        str | None, Query(max_length=200, description="Comma-separated SSE event names")
    ] = None,
) -> StreamingResponse:
    """Live events (`alert`, `position`, ...) for the caller, as text/event-stream."""
    wanted = {e.strip() for e in events.split(",") if e.strip()} if events else None
    inbox = live.Inbox()
    token = bearer_of(request)
    current = [principal]  # re-resolved every RECHECK_S through the token cache (revocation, new rights)

    def resolve() -> bool:
        with session_factory()() as session:
            fresh = principal_for_token(session, token) if token else None
        if fresh is None:
            return False
        current[0] = fresh
        return True

    async def still_allowed() -> bool:
        return await asyncio.to_thread(resolve)

    def on_event(event: Event) -> None:
        route = live.route_for(event.subject)
        if route is None or (wanted is not None and route.name not in wanted):
            return
        data = visible_payload(event, route, current[0])
        if data is None:
            return
        inbox.put(live.sse(event.id, route.name, data))

    unsubscribe = get_bus().subscribe("*", on_event)

    async def body() -> AsyncIterator[bytes]:
        try:
            async for chunk in live.sse_chunks(inbox, request.is_disconnected, still_allowed=still_allowed):
                yield chunk
        finally:
            unsubscribe()

    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no", "Connection": "keep-alive"}
    return StreamingResponse(body(), media_type="text/event-stream", headers=headers)
