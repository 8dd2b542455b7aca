"""The application's domains, in order: each may use the ones before it, never one after it (the
import-linter contract in pyproject enforces the same order). The app, the CLI and the tests are built
from this list (`compose`); each domain says what it adds in its own `domain.py`."""

from __future__ import annotations

from collections.abc import Sequence

from hifazat.alerts.domain import DOMAIN as ALERTS
from hifazat.audit.domain import DOMAIN as AUDIT
from hifazat.auth.domain import DOMAIN as AUTH
from hifazat.demo.domain import DOMAIN as DEMO
from hifazat.incidents.domain import DOMAIN as INCIDENTS
from hifazat.intel.domain import DOMAIN as INTEL
from hifazat.movements.domain import DOMAIN as MOVEMENTS
from hifazat.notify.domain import DOMAIN as NOTIFY
from hifazat.personnel.domain import DOMAIN as PERSONNEL
from hifazat.platform.composition import Composition, Domain
from hifazat.registry.domain import DOMAIN as REGISTRY
from hifazat.threat.domain import DOMAIN as THREAT
from hifazat.tracking.domain import DOMAIN as TRACKING

DOMAINS: tuple[Domain, ...] = (
    AUTH,
    AUDIT,
    REGISTRY,
    TRACKING,
    NOTIFY,
    ALERTS,
    PERSONNEL,
    INCIDENTS,
    THREAT,
    INTEL,
    MOVEMENTS,
    DEMO,
)


def compose(domains: Sequence[Domain] = DOMAINS) -> Composition:
    return Composition(domains)
