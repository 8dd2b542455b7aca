"""The roster pages: /roster, a week per site (each day's duties, at-risk ones with their reasons) and the
duty form; a refused attempt is shown with every reason the API gave (static/js/roster.js writes through
POST /api/v1/duties). Read through the same services and policy as the API."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from hifazat.auth.access import visible_select
from hifazat.auth.web_session import PageUser, may, problem_page, render
from hifazat.core.errors import Problem
from hifazat.personnel import duties
from hifazat.personnel.duty_models import DutyKind
from hifazat.personnel.models import Personnel
from hifazat.platform.deps import DbSession
from hifazat.registry.models import Site

router = APIRouter(include_in_schema=False)
WEEK_ROWS = 500  # a site's week holds far fewer; the page says when it is cut


def _monday(raw: str | None) -> date:
    try:
        day = date.fromisoformat(raw) if raw else date.today()
    except ValueError:
        day = date.today()
    return day - timedelta(days=day.weekday())


@router.get("/roster")
def roster_page(
    request: Request,
    session: DbSession,
    principal: PageUser,
    site_id: str | None = Query(default=None, max_length=36),
    week: str | None = Query(default=None, max_length=10),
) -> HTMLResponse:
    sites = list(session.scalars(visible_select(Site, "sites", principal).order_by(Site.name).limit(500)))
    chosen = next((s for s in sites if s.id == site_id), sites[0] if sites else None)
    monday = _monday(week)
    start = datetime.combine(monday, datetime.min.time(), UTC)
    days = [monday + timedelta(days=i) for i in range(7)]
    by_day: dict[date, list[dict[str, Any]]] = defaultdict(list)
    people = list(
        session.scalars(
            visible_select(Personnel, "personnel", principal).order_by(Personnel.family_name).limit(1000)
        )
    )
    names = {p.id: f"{p.given_name} {p.family_name}" for p in people}
    cut = False
    if chosen is not None:
        try:
            rows, nxt = duties.list_rows(
                session,
                principal,
                filters={"site_id": chosen.id},
                at_from=start,
                at_to=start + timedelta(days=7),
                limit=WEEK_ROWS,
                cursor=None,
            )
        except Problem as p:
            return problem_page(request, p, principal, session)
        cut = nxt is not None
        for row in sorted(rows, key=lambda r: r.starts_at):
            item = duties.present(row, principal)
            item["name"] = names.get(row.personnel_id, "(not visible)")
            by_day[row.starts_at.date()].append(item)
    return render(
        request,
        "personnel/roster.html",
        principal=principal,
        session=session,
        sites=sites,
        site=chosen,
        days=[(d, by_day.get(d, [])) for d in days],
        prev_week=(monday - timedelta(days=7)).isoformat(),
        next_week=(monday + timedelta(days=7)).isoformat(),
        people=people,
        kinds=[k.value for k in DutyKind],
        can_write=may(principal, duties.KIND, "write"),
        cut=cut,
    )
