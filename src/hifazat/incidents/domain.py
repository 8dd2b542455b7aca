"""What incidents add: the incident API and pages, the permissions, the live `incident` event, the link
from an alert's page to its incident, and the dashboard's navigation."""

from __future__ import annotations

from hifazat.auth.policy import FIELDS, READ_ALL, permissions
from hifazat.incidents import api, evidence_api, evidence_pages, pages, service
from hifazat.incidents import evidence as evidence_service
from hifazat.incidents.stance import WRITERS
from hifazat.platform.composition import Domain, contribute
from hifazat.platform.stream import STREAM_ROUTES
from hifazat.web.nav import NAV, NavItem

DOMAIN = Domain(
    name="incidents",
    routers=(
        api.router,
        evidence_api.router,
    ),
    pages=(
        pages.router,
        evidence_pages.router,
    ),
    templates=(pages.TEMPLATES,),
    template_globals=pages.TEMPLATE_GLOBALS,
    contributions=(
        # Reads: every role, scoped by the policy (a partner sees nothing without an agreement naming
        # incidents); writes and moves: `stance.py` and the transition table narrow them per record.
        permissions({("incidents", "read"): READ_ALL, ("incidents", "write"): WRITERS}),
        # Evidence: readers of a case read it (never a partner's liaison); `evidence.py` narrows writes to
        # the case's lead agency and its investigators.
        permissions(
            {
                ("evidence", "read"): evidence_service.READERS,
                ("evidence", "write"): evidence_service.WRITERS,
            }
        ),
        contribute(FIELDS, service.FIELDS),
        contribute(STREAM_ROUTES, service.STREAM_ROUTE),
        contribute(NAV, NavItem("/incidents", "Incidents", order=25)),
    ),
)
