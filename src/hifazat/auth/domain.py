"""What the auth domain adds: login and tokens, agencies, users and sharing agreements, the live stream."""

from __future__ import annotations

from hifazat.auth import api, cache, live_stream, pages, record_pages
from hifazat.auth.labels import AUTH_LABELERS, LABELS
from hifazat.auth.policy import AUTH_PERMISSIONS, permissions
from hifazat.platform.composition import Domain, contribute
from hifazat.web.nav import NAV, NavItem

DOMAIN = Domain(
    name="auth",
    routers=(api.router, live_stream.router),
    pages=(pages.router,),
    templates=(pages.TEMPLATES, record_pages.TEMPLATES),  # the record pages serve registry kinds too
    on_install=(cache.install_listeners,),
    handlers=(cache.subscribe,),  # another worker changed an agency, agreement, user or token
    contributions=(
        permissions(AUTH_PERMISSIONS),
        contribute(LABELS, *AUTH_LABELERS),
        contribute(
            NAV,
            NavItem("/agencies", "Agencies", order=40),
            NavItem("/users", "Users", frozenset({"admin", "auditor"}), order=41),
            NavItem("/sharing-agreements", "Sharing", AUTH_PERMISSIONS[("agreements", "read")], order=42),
        ),
    ),
)
