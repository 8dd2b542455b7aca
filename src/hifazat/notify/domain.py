"""What notify adds: notifications to users and webhooks over every channel, their deliveries and worker."""

from __future__ import annotations

from hifazat.auth.labels import LABELS
from hifazat.auth.policy import permissions
from hifazat.notify import api, labels, pages, worker
from hifazat.notify.channels import stream
from hifazat.notify.webhooks import WEBHOOK_READ, WEBHOOK_WRITE
from hifazat.platform.composition import Domain, Job, contribute
from hifazat.platform.stream import STREAM_ROUTES
from hifazat.web.nav import NAV, NavItem

DOMAIN = Domain(
    name="notify",
    routers=(api.router,),
    pages=(pages.router,),
    templates=(pages.TEMPLATES,),
    jobs=(Job(worker.starter),),
    contributions=(
        contribute(STREAM_ROUTES, *stream.STREAM_ROUTES),
        contribute(LABELS, *labels.LABELERS),
        contribute(NAV, NavItem("/notifications", "Notifications", order=60)),
        contribute(NAV, NavItem("/webhooks", "Webhooks", frozenset(WEBHOOK_READ), order=61)),
        # The pages ask the policy table; the service checks the same roles itself.
        permissions(
            {("webhooks", "read"): frozenset(WEBHOOK_READ), ("webhooks", "write"): frozenset(WEBHOOK_WRITE)}
        ),
    ),
)
