"""What movements add: movement requests (intimation to the police before foreigners travel), their route
and the districts it crosses, and the lifecycle from draft to arrival."""

from __future__ import annotations

from hifazat.auth.policy import FIELDS, READ_ALL, STAFF, permissions
from hifazat.movements import api, pages, service
from hifazat.platform.composition import Domain, contribute
from hifazat.web.nav import NAV, NavItem

DOMAIN = Domain(
    name="movements",
    routers=(api.router,),
    pages=(pages.router,),
    templates=(pages.TEMPLATES,),
    contributions=(
        # Reads scoped by the policy; writes by staff; each move narrowed by lifecycle.py (who: requester
        # or authority of the route's districts).
        permissions({(service.KIND, "read"): READ_ALL, (service.KIND, "write"): STAFF}),
        contribute(FIELDS, service.FIELDS),
        contribute(NAV, NavItem("/movements", "Movements", order=28)),
    ),
)
