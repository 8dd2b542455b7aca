"""Raising an alert: the one way an alert comes into being (every source ends here), and POST /alerts
finding who or what it is about. Never commits."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from hifazat.alerts import escalation
from hifazat.alerts.involvement import fresh_involvement
from hifazat.alerts.models import Alert, AlertKind, AlertStatus
from hifazat.alerts.schemas import DEFAULT_SEVERITY, AlertIn
from hifazat.alerts.service import _SHARES, KIND, add_event, emit_changed, share, shared_with
from hifazat.auth.access import get_visible
from hifazat.auth.acting import Stance, alert_stance
from hifazat.auth.models import User
from hifazat.auth.policy import Principal, can_write_agency, in_jurisdiction, require
from hifazat.core.db import new_id, utcnow
from hifazat.core.errors import Problem, invalid
from hifazat.core.places import place_of
from hifazat.core.scope import Scope
from hifazat.platform.audit.writes import NO_EVENT, audited_create
from hifazat.platform.fast_insert import insert_pending
from hifazat.registry.models import Person, Site
from hifazat.tracking.models import Device, DeviceLast


def raise_alert(
    session: Session,
    *,
    actor: Principal,
    agency_id: str,
    kind: str,
    severity: str,
    source: str,
    title: str,
    description: str = "",
    source_authenticated: bool = True,
    lat: float | None = None,
    lon: float | None = None,
    position_at: datetime | None = None,
    person_id: str | None = None,
    subject_user_id: str | None = None,
    device_id: str | None = None,
    site_id: str | None = None,
    province: str | None = None,
    district: str | None = None,
    nationality: str | None = None,
    cap_scope: str = "restricted",
    dedupe_key: str | None = None,
    source_event_id: str | None = None,
    poll_id: str | None = None,
    share_with: Iterable[str] = (),
    data: dict[str, Any] | None = None,
) -> Alert:
    """The one way an alert comes into being: row, timeline, audit, escalation start, outbox event."""

    if lat is not None and lon is not None and district is None:
        # A position fills in what the caller left out (a tracking event's device, an SMS sender may have
        # no district); it never overrides a province the source gave.
        place = place_of(lat, lon)
        if place is not None and province in (None, place[0]):
            province, district = place
    now = utcnow()
    policy_id = escalation.policy_id_for(session, agency_id=agency_id, site_id=site_id, severity=severity)
    alert = Alert(
        id=new_id(),  # known now: the alert's rows all go in one flush (with the audit entry's)
        escalation_policy_id=policy_id,
        agency_id=agency_id,
        province=province,
        district=district,
        nationality=nationality,
        kind=kind,
        severity=severity,
        status=AlertStatus.new.value,
        source=source,
        source_authenticated=source_authenticated,
        title=title[:200],
        description=description,
        lat=lat,
        lon=lon,
        position_at=position_at if position_at is not None or lat is None else now,
        person_id=person_id,
        subject_user_id=subject_user_id,
        device_id=device_id,
        site_id=site_id,
        cap_scope=cap_scope,
        created_by=actor.user_id,
        created_at=now,
        updated_at=now,
        last_seen_at=now,
        dedupe_key=dedupe_key,
        source_event_id=source_event_id,
        poll_id=poll_id,
        escalation_level=0,
        repeat_count=0,
    )
    session.add(alert)
    session.info.setdefault(_SHARES, {})[alert.id] = []  # a fresh alert has no shares yet
    add_event(
        session, alert, actor, "created", to_status=alert.status, data={"source": source, **(data or {})}
    )
    # The entry waits, pending with the alert's other rows: the audit chain is one lock for every writer
    # (PostgreSQL), taken only when `insert_pending` links it, and held from there to the commit.
    audited_create(session, alert, kind=KIND, principal=actor, subject=NO_EVENT, insert=False)
    share(session, alert, share_with, "raised by this agency")
    escalation.start(session, alert, actor, now=now, fresh=True)
    emit_changed(session, alert, "created", assignments=[], involved=())
    # Last: all the alert's rows and its entry at once, without the flush (on PostgreSQL one statement):
    # every SOS comes here.
    insert_pending(session)
    return alert


def creator_stance(session: Session, alert: Alert, principal: Principal) -> Stance:
    """The stance of whoever just raised the alert: its agency owns it or was shared it (`create`), and
    either gives all that guarding it would, so the guards are not looked up on the SOS lane."""
    return alert_stance(principal, fresh_involvement(alert, shared_with(session, alert.id)), KIND)


def _person_label(p: Person) -> str:
    return f"{p.given_name} {p.family_name}".strip()


def create(session: Session, data: AlertIn, principal: Principal, *, source: str = "api") -> Alert:
    """POST /alerts: an SOS (anyone signed in, for a person, a device or themselves) or a manual alert."""
    require(principal, KIND, "read" if data.kind == AlertKind.sos else "write")
    severity = (data.severity or DEFAULT_SEVERITY.get(data.kind) or "medium").__str__()
    fix = Fix(data.lat, data.lon, None)
    if data.lat is None and (data.kind == AlertKind.sos or data.person_id or data.device_id):
        # Without coordinates an alert about someone or something is where they were last seen (the
        # dashboard form picks a person or device instead of typing a position).
        fix = last_known(session, data, principal)
    about = _subject_of(session, data, principal, fix)
    owner = _owner_of(data, principal, about)
    extra_share = [principal.agency_id] if principal.agency_id and principal.agency_id != owner else []
    person, site = about.person, about.site
    return raise_alert(
        session,
        actor=principal,
        agency_id=owner,
        kind=data.kind.value,
        severity=severity,
        source=source,
        title=_title(session, data, principal, about),
        description=data.description,
        lat=fix.lat,
        lon=fix.lon,
        position_at=fix.at,
        person_id=person.id if person else None,
        subject_user_id=about.subject_user_id,
        device_id=data.device_id,
        site_id=site.id if site else None,
        province=about.place.province,
        district=about.place.district,
        nationality=person.nationality if person else None,
        cap_scope=data.cap_scope.value,
        share_with=extra_share,
    )


@dataclass
class _Place:
    """An alert's province and district while `create` looks at its site, person and device in turn."""

    province: str | None
    district: str | None = None

    def take(self, province: str | None, district: str | None) -> None:
        self.province = self.province or province
        if self.district is None and province is not None and province == self.province:
            self.district = district


def _device(session: Session, device_id: str, principal: Principal) -> dict[str, Any]:
    """The device as owner/agency facts (alerts sit above tracking in the domain order)."""
    try:
        dev, _ = get_visible(session, Device, "devices", device_id, principal)
    except Problem as exc:
        raise invalid("device_id", "no such device visible to you") from exc
    return {
        "agency_id": dev.agency_id,
        "province": getattr(dev, "province", None),
        "district": getattr(dev, "district", None),
        "owner_kind": getattr(dev, "owner_kind", None),
        "owner_id": getattr(dev, "owner_id", None),
    }


@dataclass
class _Subject:
    """Who or what a new alert is about, as `create` finds it from the request."""

    place: _Place
    person: Person | None = None
    site: Site | None = None
    subject_user_id: str | None = None
    owner: str | None = None


def _visible(session: Session, model: Any, kind: str, row_id: str, principal: Principal, field: str) -> Any:
    try:
        found, _ = get_visible(session, model, kind, row_id, principal)
    except Problem as exc:
        raise invalid(field, f"no such {kind[:-1]} visible to you") from exc
    return found


class Fix(NamedTuple):
    """Where the alert is: given with it (`at` None: now), the last known fix, or unknown (all None)."""

    lat: float | None
    lon: float | None
    at: datetime | None


def last_known(session: Session, data: AlertIn, principal: Principal) -> Fix:
    """The newest fix of the SOS's device, or of the person's (the caller's, for_self) devices: one
    indexed select (devices by owner, device_last by id). Unknown when none has reported a position."""
    stmt = select(DeviceLast.lat, DeviceLast.lon, DeviceLast.at).where(
        DeviceLast.at.is_not(None), DeviceLast.lat.is_not(None)
    )
    if data.person_id or data.for_self:
        owner_kind, owner_id = ("person", data.person_id) if data.person_id else ("user", principal.user_id)
        stmt = stmt.join(Device, Device.id == DeviceLast.device_id).where(
            Device.owner_kind == owner_kind, Device.owner_id == owner_id, Device.deleted_at.is_(None)
        )
    elif data.device_id:
        stmt = stmt.where(DeviceLast.device_id == data.device_id)
    else:
        return Fix(None, None, None)
    row = session.execute(stmt.order_by(DeviceLast.at.desc()).limit(1)).first()
    if row is None or row[0] is None or row[1] is None:
        return Fix(None, None, None)
    return Fix(float(row[0]), float(row[1]), row[2])


def _from_coordinates(data: AlertIn, fix: Fix) -> tuple[str, str | None] | None:
    """The province and district the alert's position lies in (None without one, or outside Pakistan). A
    last known fix is older than what the caller says now: with a typed province, that one wins."""
    if fix.lat is None or fix.lon is None or (fix.at is not None and data.province):
        return None
    return place_of(fix.lat, fix.lon)


def _may_place(data: AlertIn, principal: Principal, about: _Subject) -> bool:
    """With nothing to place it by, a typed province routes the alert: taken inside the caller's
    jurisdiction, or for its own people (a person, device or the caller itself owned by its tree)."""
    if principal.system or in_jurisdiction(Scope(None, data.province, None), principal.jurisdiction):
        return True
    subject = about.person is not None or about.subject_user_id is not None or data.device_id is not None
    return subject and about.owner is not None and about.owner in principal.tree


def _place(
    data: AlertIn, principal: Principal, about: _Subject, found: list[tuple[Any, Any]], fix: Fix
) -> _Place:
    """The province comes from the coordinates, else the site (a typed one must agree), else the typed
    one where the caller may place it, else the person or device; the district from the first of those
    lying in that province (as the policy reads them: a district inside its province)."""
    coords = _from_coordinates(data, fix)
    derived, where = (coords[0] if coords else None), "the position lies in"
    if derived is None and about.site is not None:
        derived, where = about.site.province, "the site lies in"
    if derived is not None and data.province is not None and data.province != derived:
        raise invalid("province", f"{where} {derived}, not {data.province}")
    if derived is None and data.province is not None and not _may_place(data, principal, about):
        raise invalid(
            "province",
            f"{data.province} is outside your jurisdiction and the alert is not about your own people:"
            " give lat/lon or site_id",
        )
    place = _Place(*coords) if coords else _Place(derived or data.province)
    for province, district in found:
        place.take(province, district)
    return place


def _subject_of(session: Session, data: AlertIn, principal: Principal, fix: Fix) -> _Subject:
    """Who or what the alert is about, and from them (and the coordinates) where it is (`_place`)."""
    about = _Subject(_Place(None))
    found: list[tuple[Any, Any]] = []  # (province, district) of the site, the person, the device
    if data.site_id:
        about.site = _visible(session, Site, "sites", data.site_id, principal, "site_id")
        found.append((about.site.province, about.site.district))
    if data.person_id:
        about.person = _visible(session, Person, "persons", data.person_id, principal, "person_id")
        about.owner = about.person.agency_id
        found.append((about.person.province, about.person.district))
    elif data.device_id:
        dev = _device(session, data.device_id, principal)
        about.owner = dev["agency_id"]
        found.append((dev.get("province"), dev.get("district")))
        if dev.get("owner_kind") == "person" and dev.get("owner_id"):
            about.person = session.get(Person, dev["owner_id"])
        elif dev.get("owner_kind") == "user":
            about.subject_user_id = dev.get("owner_id")
    elif data.for_self:
        about.subject_user_id = principal.user_id
        about.owner = principal.agency_id
    about.place = _place(data, principal, about, found, fix)
    return about


def _owner_of(data: AlertIn, principal: Principal, about: _Subject) -> str:
    owner = about.owner
    if data.agency_id:
        if not can_write_agency(principal, data.agency_id):
            raise invalid("agency_id", "you may only raise alerts for your own agency or one below it")
        owner = data.agency_id
    owner = owner or principal.agency_id
    if owner is None:
        raise invalid("agency_id", "is required for this caller")
    return owner


def _title(session: Session, data: AlertIn, principal: Principal, about: _Subject) -> str:
    if about.person is not None:
        label = _person_label(about.person)
    elif about.subject_user_id == principal.user_id and principal.full_name is not None:
        label = principal.full_name or principal.username  # an SOS for oneself: the name came with the token
    elif about.subject_user_id:
        names = session.execute(
            select(User.full_name, User.username).where(User.id == about.subject_user_id)
        ).first()
        label = (names[0] or names[1]) if names else "user"
    elif data.device_id:
        label = f"device {data.device_id[:8]}"
    else:
        label = about.site.name if about.site else ""
    kind_label = "SOS" if data.kind == AlertKind.sos else data.kind.replace("_", " ").capitalize()
    return data.title or (f"{kind_label}: {label}" if label else kind_label)
