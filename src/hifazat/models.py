"""Import every domain's models so Base.metadata is complete (Alembic, create_all in tests)."""

from __future__ import annotations

from hifazat.alerts import models as alerts_models  # noqa: F401
from hifazat.auth.models import AccessToken, Agency, SharingAgreement, User
from hifazat.core.db import Base
from hifazat.incidents import (
    case_models,  # noqa: F401
    case_work_models,  # noqa: F401
    evidence_models,  # noqa: F401
)
from hifazat.incidents import models as incidents_models  # noqa: F401
from hifazat.movements import models as movements_models  # noqa: F401
from hifazat.notify import models as notify_models  # noqa: F401
from hifazat.personnel import duty_models  # noqa: F401
from hifazat.personnel import models as personnel_models  # noqa: F401
from hifazat.platform.audit.models import AuditEntry
from hifazat.platform.outbox import OutboxEvent
from hifazat.registry.models import Person, Project, Site, Unit, Vehicle
from hifazat.threat import models as threat_models  # noqa: F401
from hifazat.tracking import models as tracking_models  # noqa: F401

__all__ = [
    "AccessToken",
    "Agency",
    "AuditEntry",
    "Base",
    "OutboxEvent",
    "Person",
    "Project",
    "SharingAgreement",
    "Site",
    "Unit",
    "User",
    "Vehicle",
]
