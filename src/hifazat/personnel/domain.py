"""What personnel adds: security companies' licences, their personnel (CNIC encrypted), each person's
checks, the armed-duty clearance rule, and the job that warns supervisors before a check expires."""

from __future__ import annotations

from hifazat.auth.policy import FIELDS, READ_ALL, STAFF, permissions
from hifazat.notify.service import REF_VISIBILITY
from hifazat.personnel import api, checks, compliance, duties_api, duty_pages, jobs, pages, people
from hifazat.personnel.events import CHECK_SUBJECT, LICENCE_SUBJECT, PERSONNEL_SUBJECT
from hifazat.platform.composition import Domain, Job, contribute
from hifazat.platform.stream import STREAM_ROUTES, StreamRoute
from hifazat.web.nav import NAV, NavItem

DOMAIN = Domain(
    name="personnel",
    routers=(api.router, duties_api.router),
    pages=(pages.router, duty_pages.router),
    templates=(pages.TEMPLATES,),
    jobs=(Job(jobs.expiry_job), Job(compliance.compliance_job)),
    contributions=(
        # Licences: the ministry writes (licences.py adds that the writer's agency is a federal ministry);
        # anyone reads what the policy's scope shows (the company its own, the centre all, a province its).
        permissions(
            {
                ("licences", "read"): READ_ALL,
                ("licences", "write"): STAFF,
                ("personnel", "read"): READ_ALL,
                ("personnel", "write"): STAFF,
                ("personnel_checks", "read"): READ_ALL,
                ("personnel_checks", "write"): STAFF,
                ("duties", "read"): READ_ALL,
                ("duties", "write"): STAFF,
            }
        ),
        contribute(FIELDS, people.fields()),
        contribute(
            STREAM_ROUTES,
            StreamRoute(LICENCE_SUBJECT, "licence", "licences"),
            StreamRoute(PERSONNEL_SUBJECT, "personnel", "personnel"),
            StreamRoute(CHECK_SUBJECT, "personnel_check", "personnel"),
        ),
        contribute(REF_VISIBILITY, (jobs.REF_KIND, checks.check_visible)),
        contribute(REF_VISIBILITY, (compliance.REF_KIND, compliance.duty_visible)),
        contribute(
            NAV,
            NavItem("/personnel", "Personnel", order=35),
            NavItem("/licences", "Licences", order=36),
            NavItem("/roster", "Roster", order=37),
        ),
    ),
)
