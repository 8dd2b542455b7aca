"""What the registry adds: protected persons, projects, sites, security units and vehicles."""

from __future__ import annotations

from hifazat.auth.labels import LABELS
from hifazat.auth.policy import FIELDS, READ_ALL, STAFF, permissions
from hifazat.platform.composition import Domain, contribute
from hifazat.registry import api, labels, pages, service
from hifazat.web.nav import NAV, NavItem

KINDS = ("persons", "projects", "sites", "units", "vehicles")

DOMAIN = Domain(
    name="registry",
    routers=(api.router,),
    pages=(pages.router,),
    templates=(pages.TEMPLATES,),
    contributions=(
        permissions({**{(k, "read"): READ_ALL for k in KINDS}, **{(k, "write"): STAFF for k in KINDS}}),
        contribute(FIELDS, *service.fields()),
        contribute(LABELS, *labels.labelers()),
        contribute(
            NAV,
            NavItem("/", "Map", order=10),
            NavItem("/persons", "Persons", order=30),
            NavItem("/sites", "Sites", order=31),
            NavItem("/projects", "Projects", order=32),
            NavItem("/units", "Units", order=33),
            NavItem("/vehicles", "Vehicles", order=34),
        ),
    ),
)
