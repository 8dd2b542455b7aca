"""What incidents add: the incident API and pages, the permissions, the live `incident` event, the link
from an alert's page to its incident, and the dashboard's navigation; investigation cases (their API,
board and page, the overdue job that tells the lead agency) and their evidence with its chain of custody."""

from __future__ import annotations

from hifazat.auth.policy import FIELDS, READ_ALL, permissions
from hifazat.incidents import (
    api,
    case_jobs,
    case_pages,
    cases_api,
    evidence_api,
    evidence_pages,
    pages,
    service,
)
from hifazat.incidents import evidence as evidence_service
from hifazat.incidents.case_stance import CASE_WRITERS
from hifazat.incidents.stance import WRITERS
from hifazat.notify.service import REF_VISIBILITY
from hifazat.platform.composition import Domain, Job, contribute
from hifazat.platform.stream import STREAM_ROUTES
from hifazat.web.nav import NAV, NavItem

DOMAIN = Domain(
    name="incidents",
    routers=(api.router, cases_api.router, evidence_api.router),
    pages=(pages.router, case_pages.router, evidence_pages.router),
    templates=(pages.TEMPLATES,),
    template_globals=pages.TEMPLATE_GLOBALS,
    jobs=(Job(case_jobs.overdue_job),),
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
        # Cases: read as incidents are (scoped by the policy); only the lead agency's staff write
        # (`case_stance.py` narrows each write to the owner relation).
        permissions({("cases", "read"): READ_ALL, ("cases", "write"): CASE_WRITERS}),
        contribute(NAV, NavItem("/cases", "Cases", order=26)),
        contribute(REF_VISIBILITY, (case_jobs.REF_KIND, case_jobs.overdue_visible)),
    ),
)
