"""What the audit domain adds: reading and verifying the tamper-evident log (the platform writes it)."""

from __future__ import annotations

from hifazat.audit import api, jobs, pages
from hifazat.auth.policy import permissions
from hifazat.platform.composition import Domain, Job, contribute
from hifazat.web.nav import NAV, NavItem

READERS = frozenset({"admin", "auditor"})

DOMAIN = Domain(
    name="audit",
    routers=(api.router,),
    pages=(pages.router,),
    templates=(pages.TEMPLATES,),
    jobs=(Job(jobs.checkpoint_job),),  # the back: a file write never shares the SOS's interpreter
    contributions=(
        permissions({("audit", "read"): READERS}),
        contribute(NAV, NavItem("/audit", "Audit", READERS, order=50)),
    ),
)
