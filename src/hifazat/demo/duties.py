"""Loads the demo's roster: a week of duties at the Port Qasim plant (Karachi) from the day after the load,
written through personnel/duties.create as Shield (the employer) would, so the hard rule judges each.

Farhan Siddiqui stands the armed day shift and Naveed Baloch the armed evening shift; Zubair Ahmed drives
unarmed. One attempt is refused, as the seed's story needs: Imran Qureshi put on an armed night shift, his
psychological evaluation lapsed (`check_expired`). Nothing is stored for it; the load logs its reasons.
Idempotent: a site that already has duties is left as it is."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hifazat.auth.policy import system_actor
from hifazat.core.errors import Problem
from hifazat.personnel import duties
from hifazat.personnel.duty_models import Duty, DutyKind
from hifazat.personnel.duty_schemas import DutyIn
from hifazat.personnel.models import Personnel
from hifazat.security import crypto

log = logging.getLogger("hifazat.demo.duties")
SITE = "pq_plant"
# (CNIC, armed, start hour UTC, hours) for each day of the week
SHIFTS = (
    ("42101-7720431-5", True, 3, 8),  # Farhan Siddiqui, 08:00-16:00 Karachi time
    ("42301-2209876-1", True, 11, 8),  # Naveed Baloch, 16:00-24:00
    ("42101-6652093-9", False, 4, 9),  # Zubair Ahmed, the driver
)
REFUSED = ("42201-5318842-3", True, 19, 8)  # Imran Qureshi, a night shift on the first day


def _person(session: Session, cnic: str) -> Personnel | None:
    return session.scalar(select(Personnel).where(Personnel.cnic_index == crypto.blind_index(cnic)))


def _body(person: Personnel, site_id: str, day: date, armed: bool, hour: int, hours: int) -> DutyIn:
    start = datetime.combine(day, time(hour), UTC)
    return DutyIn(
        personnel_id=person.id,
        kind=DutyKind.site_post,
        site_id=site_id,
        armed=armed,
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
    )


def load(session: Session, agencies: dict[str, str], sites: dict[str, str]) -> list[str]:
    """Returns the refused attempt's reason codes (empty when the site was rostered already)."""
    site_id = sites.get(SITE)
    if site_id is None or session.scalar(select(Duty.id).where(Duty.site_id == site_id).limit(1)):
        return []
    actor = system_actor("demo", agency_id=agencies["shield"])
    first = date.today() + timedelta(days=1)
    for offset in range(7):
        for cnic, armed, hour, hours in SHIFTS:
            person = _person(session, cnic)
            if person is not None:
                duties.create(
                    session, _body(person, site_id, first + timedelta(days=offset), armed, hour, hours), actor
                )
    cnic, armed, hour, hours = REFUSED
    person = _person(session, cnic)
    if person is None:
        return []
    try:
        duties.create(session, _body(person, site_id, first, armed, hour, hours), actor)
    except Problem as p:
        codes = [r["code"] for r in p.extra.get("reasons", [])]
        log.info("demo roster: the armed night shift of Imran Qureshi refused", extra={"reasons": codes})
        return codes
    raise RuntimeError("the demo's refused attempt was accepted: the hard rule did not hold")
