"""What alerts add: SOS and manual alerts, escalation, dispatch, CAP feeds, inbound SMS and safety polls."""

from __future__ import annotations

from hifazat.alerts import api, escalation, from_tracking, labels, notifications, pages, polls, service, sms
from hifazat.alerts.models import EscalationPolicy
from hifazat.alerts.rule_pages import router as rules_router
from hifazat.auth.cache import CACHE_WATCHES
from hifazat.auth.labels import LABELS
from hifazat.auth.policy import FIELDS, READ_ALL, STAFF, permissions
from hifazat.notify import pages as notify_pages
from hifazat.notify.service import REF_VISIBILITY
from hifazat.platform.composition import Domain, Job, contribute
from hifazat.platform.stream import STREAM_ROUTES
from hifazat.tracking.hooks import TRACKING_HOOKS
from hifazat.web.nav import NAV, NavItem

POLICY_READERS = frozenset({"admin", "operator", "auditor"})
ADMIN = frozenset({"admin"})

DOMAIN = Domain(
    name="alerts",
    early_routers=(api.urgent_router,),  # POST /api/v1/alerts (see its note in alerts/api.py)
    routers=(api.router, api.root_router, sms.router),
    pages=(pages.router, rules_router),  # /alert-rules
    templates=(pages.TEMPLATES, notify_pages.TEMPLATES),  # alert.html includes notify/_deliveries.html
    template_globals=pages.TEMPLATE_GLOBALS,
    jobs=(Job(escalation.escalation_loop),),
    contributions=(
        permissions(
            {
                ("alerts", "read"): READ_ALL,
                ("alerts", "write"): frozenset({"admin", "operator", "responder"}),
                ("escalation_policies", "read"): POLICY_READERS,
                ("escalation_policies", "write"): ADMIN,
                ("alert_rules", "read"): POLICY_READERS,
                ("alert_rules", "write"): ADMIN,
                ("polls", "read"): READ_ALL,
                ("polls", "write"): STAFF,
            }
        ),
        contribute(FIELDS, service.FIELDS),
        contribute(LABELS, *labels.LABELERS),
        contribute(STREAM_ROUTES, service.STREAM_ROUTE, polls.STREAM_ROUTE),
        contribute(TRACKING_HOOKS, from_tracking.on_tracking_events),  # inside the ingest transaction
        contribute(REF_VISIBILITY, (notifications.REF_KIND, notifications.alert_visible)),
        contribute(CACHE_WATCHES, EscalationPolicy),  # every SOS reads the policy that applies, cached
        contribute(
            NAV,
            NavItem("/alerts", "Alerts", order=20),
            NavItem("/polls", "Safety polls", order=21),
            NavItem("/alerts/policies", "Escalation", POLICY_READERS, order=22),
            NavItem("/alert-rules", "Alert rules", POLICY_READERS, order=23),
        ),
    ),
)
