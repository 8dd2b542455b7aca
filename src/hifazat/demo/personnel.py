"""Loads the demo's licences and personnel (with their checks) through the personnel services, as the
ministry (licences) and each company (its people) would. Idempotent: a licence is found by its kind and
number, a person by the blind index of the CNIC; checks are written with the person only."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from hifazat.auth.policy import system_actor
from hifazat.demo.data_personnel import LICENCES, PERSONNEL, LicenceSpec, PersonnelSpec
from hifazat.personnel import checks, licences, people
from hifazat.personnel.models import Licence, LicenceStatus, Personnel
from hifazat.personnel.schemas import CheckIn, LicenceIn, PersonnelIn
from hifazat.security import crypto


def _licence(session: Session, spec: LicenceSpec, agencies: dict[str, str], ministry: str) -> None:
    found = session.scalar(select(Licence.id).where(Licence.kind == spec.kind, Licence.number == spec.number))
    if found is not None:
        return
    today = date.today()
    actor = system_actor("demo", agency_id=ministry)
    data = LicenceIn(
        agency_id=agencies[spec.company],
        kind=spec.kind,
        number=spec.number,
        category=spec.category,
        province=spec.province,
        issued_on=today + timedelta(days=spec.issued_days),
        expires_on=today + timedelta(days=spec.expires_days),
    )
    row = licences.create(session, data, actor)
    if spec.status == LicenceStatus.suspended.value:
        licences.transition(session, row.id, "suspend", "audit of security companies ordered", actor)


def _person(session: Session, spec: PersonnelSpec, agencies: dict[str, str]) -> None:
    index = crypto.blind_index(spec.cnic)
    if session.scalar(select(Personnel.id).where(Personnel.cnic_index == index)) is not None:
        return
    actor = system_actor("demo", agency_id=agencies[spec.company])
    data = PersonnelIn(
        given_name=spec.given,
        family_name=spec.family,
        role=spec.role,
        cnic=spec.cnic,
        date_of_birth=date.fromisoformat(spec.born),
        armed=spec.armed,
        province=spec.province,
        district=spec.district,
        agency_id=agencies[spec.company],
    )
    row = people.create(session, data, actor)
    today = date.today()
    for kind, result, done_ago, valid in spec.checks:
        done = today - timedelta(days=done_ago)
        check = CheckIn(kind=kind, result=result, done_on=done, expires_on=done + timedelta(days=valid))
        checks.record(session, row.id, check, actor)


def load(session: Session, agencies: dict[str, str], ministry: str) -> None:
    """`agencies`: the demo's agency keys to ids; `ministry`: the licensing ministry's id."""
    for lic in LICENCES:
        _licence(session, lic, agencies, ministry)
    for person in PERSONNEL:
        _person(session, person, agencies)
