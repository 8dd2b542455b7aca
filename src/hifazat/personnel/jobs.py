"""The check-expiry warning job: a configurable number of days before a person's standing check expires,
the employer's supervisors (its admins and operators) are told, through notify's `enqueue` (one delivery
per recipient and channel; its idempotency key makes a repeated run write nothing twice)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import date, timedelta

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session, aliased

from hifazat.config import Settings, get_settings
from hifazat.notify.schemas import Recipient
from hifazat.notify.service import enqueue
from hifazat.personnel.models import Check, CheckResult, Personnel, PersonnelStatus
from hifazat.platform.sqlite.api import run_background, unit_of_work

log = logging.getLogger("hifazat.personnel.expiry")

REF_KIND = "personnel_check"
TOPIC = "personnel"
SUPERVISOR_ROLES = ("admin", "operator")


def expiring(session: Session, today: date, days: int) -> list[tuple[Check, Personnel]]:
    """Passed checks expiring within `days` that still stand (no later check of the same kind) for people
    still employed: the ones a warning is due for."""
    later = aliased(Check)
    superseded = exists().where(
        and_(
            later.personnel_id == Check.personnel_id,
            later.kind == Check.kind,
            later.done_on > Check.done_on,
            later.deleted_at.is_(None),
        )
    )
    stmt = (
        select(Check, Personnel)
        .join(Personnel, Personnel.id == Check.personnel_id)
        .where(
            Check.result == CheckResult.passed.value,
            Check.deleted_at.is_(None),
            Check.expires_on >= today,
            Check.expires_on <= today + timedelta(days=days),
            Personnel.deleted_at.is_(None),
            Personnel.status != PersonnelStatus.left.value,
            ~superseded,
        )
        .order_by(Check.expires_on, Check.id)
    )
    return [(c, p) for c, p in session.execute(stmt).tuples()]


def warn_expiring(session: Session, today: date, settings: Settings) -> int:
    """Enqueue the warnings due today; returns how many checks were warned about. Never commits."""
    due = expiring(session, today, settings.personnel_expiry_warning_days)
    for check, person in due:
        name = f"{person.given_name} {person.family_name}"
        payload = {
            "title": f"{check.kind.replace('_', ' ')} of {name} expires {check.expires_on.isoformat()}",
            "severity": "medium",
            "agency_id": person.agency_id,
            "province": person.province,
            "district": person.district,
            "personnel_id": person.id,
            "kind": check.kind,
            "expires_on": check.expires_on.isoformat(),
        }
        enqueue(
            session,
            ref_kind=REF_KIND,
            ref_id=check.id,
            topic=TOPIC,
            payload=payload,
            recipients=[Recipient(role=r, agency_id=person.agency_id) for r in SUPERVISOR_ROLES],
            reason=f"expires-{check.expires_on.isoformat()}",
        )
    return len(due)


def _turn() -> None:
    def run() -> int:
        with unit_of_work() as session:
            return warn_expiring(session, date.today(), get_settings())

    try:
        n = run_background(run)
        if n:
            log.info("check expiry warnings", extra={"checks": n})
    except Exception:  # a failed turn must not stop the worker; the next one tries again
        log.exception("check expiry warnings failed")


async def expiry_job(stop: asyncio.Event) -> None:
    interval = get_settings().personnel_expiry_job_interval_s
    while not stop.is_set():
        await asyncio.to_thread(_turn)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
