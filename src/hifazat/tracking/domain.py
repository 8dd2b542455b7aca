"""What tracking adds: devices, zones and escorts, the device endpoints, positions, live map and its jobs."""

from __future__ import annotations

from typing import Any

from hifazat.auth.labels import LABELS
from hifazat.auth.policy import FIELDS, READ_ALL, STAFF, permissions
from hifazat.platform.composition import Domain, Job, contribute
from hifazat.platform.stream import STREAM_ROUTES
from hifazat.tracking import api, devices, escorts, jobs, labels, live, mqtt, pages, zones
from hifazat.tracking.endpoints import DeviceIngress
from hifazat.web.nav import NAV


def _mqtt_configured(settings: Any) -> bool:
    return bool(settings.mqtt_url)


DOMAIN = Domain(
    name="tracking",
    routers=(api.router,),
    pages=(pages.router,),
    templates=(pages.TEMPLATES,),
    middleware=(DeviceIngress,),  # outermost: a device's report never passes through the API's middleware
    jobs=(
        Job(live.flusher, "both"),  # each process holds back its own live updates
        Job(jobs.stale_job),
        Job(jobs.retention_job),
        Job(mqtt.mqtt_listener, "front", enabled=_mqtt_configured),  # panic buttons raise SOS: urgent side
    ),
    contributions=(
        permissions(
            {
                ("devices", "read"): READ_ALL,
                ("devices", "write"): STAFF,
                ("zones", "read"): READ_ALL,
                ("zones", "write"): STAFF,
                ("escorts", "read"): READ_ALL,
                ("escorts", "write"): STAFF,
                ("positions", "write"): STAFF,
            }
        ),
        contribute(FIELDS, devices.FIELDS, zones.FIELDS, escorts.FIELDS),
        contribute(LABELS, *labels.LABELERS),
        contribute(STREAM_ROUTES, *live.STREAM_ROUTES),
        contribute(NAV, *pages.NAV_ITEMS),
    ),
)
