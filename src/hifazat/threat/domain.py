"""What threat adds: threat levels per district (set by hand here, by intelligence feeds later through
`service.set_level`), read by everyone, set by analysts and staff of agencies whose jurisdiction covers the
district."""

from __future__ import annotations

from hifazat.auth.policy import READ_ALL, permissions
from hifazat.platform.composition import Domain, contribute
from hifazat.threat import api, pages, service
from hifazat.web.nav import NAV, NavItem

DOMAIN = Domain(
    name="threat",
    routers=(api.router,),
    pages=(pages.router,),
    templates=(pages.TEMPLATES,),
    contributions=(
        # The roles here; the jurisdiction (federal: the country, provincial: its province) in service.py.
        permissions({(service.KIND, "read"): READ_ALL, (service.KIND, "write"): service.SETTERS}),
        contribute(NAV, NavItem("/threat-levels", "Threat levels", order=27)),
    ),
)
