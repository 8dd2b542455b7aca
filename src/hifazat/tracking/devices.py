"""Devices: registration (with a secret shown once), changes, the rotated secret, removal, listing."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select
from sqlalchemy.orm import Session

from hifazat.auth.access import get_visible
from hifazat.auth.models import User
from hifazat.auth.policy import (
    Fields,
    Principal,
    View,
    can_write_agency,
    redacted_outside_tree,
    require,
    scope,
    view_of,
    where_readable,
)
from hifazat.config import get_settings
from hifazat.core.db import utcnow
from hifazat.core.errors import Problem, conflict, forbidden, invalid, not_found
from hifazat.core.like import contains_ci
from hifazat.core.pagination import paginate
from hifazat.platform.audit.writes import (
    audited_action,
    audited_create,
    audited_delete,
    audited_update,
)
from hifazat.registry.models import Person, Unit, Vehicle
from hifazat.tracking import schemas
from hifazat.tracking.cache import bump, hash_secret
from hifazat.tracking.models import Device, DeviceLast
from hifazat.tracking.privacy import coarse_for, coarsen

DEVICE_SECRET_COLUMNS = ("secret_hash", "secret_salt")
# What a summary view shows; the identifier is a credential, so only the owner's tree sees it.
FIELDS = Fields(
    "devices",
    frozenset({"id", "agency_id", "identifier", "kind", "owner_kind", "status", "last_seen_at", "stale"}),
    owner_only=frozenset({"identifier"}),
)
DEVICE_UPDATED = "tracking.device.updated"


Place = tuple[str | None, str | None]  # (province, district) copied onto a device from its owner


def _owner(session: Session, principal: Principal, kind: str | None, owner_id: str | None) -> Place:
    """Check the owner exists and is visible; return the province and district to copy onto the device."""
    if kind is None or owner_id is None:
        return None, None
    model: Any = {"person": Person, "unit": Unit, "vehicle": Vehicle, "user": User}[kind]
    if kind == "user":
        user = session.get(User, owner_id)
        if (
            user is None
            or user.deleted_at is not None
            or not (principal.system or user.agency_id in principal.tree)
        ):
            raise invalid("owner_id", "no such user visible to you")
        return None, None
    try:
        row, _ = get_visible(session, model, kind + "s", owner_id, principal)
    except Problem as exc:
        raise invalid("owner_id", f"no such {kind} visible to you") from exc
    if kind == "vehicle":
        unit = session.get(Unit, row.unit_id) if row.unit_id else None
        return (unit.province, unit.district) if unit else (None, None)
    return row.province, row.district


def _new_secret() -> str:
    return secrets.token_urlsafe(18)


def _set_secret(device: Device, secret: str) -> None:
    salt = secrets.token_hex(16)
    device.secret_salt = salt
    device.secret_hash = hash_secret(secret, salt)


def _identifier_free(session: Session, identifier: str, except_id: str | None = None) -> None:
    q = select(Device.id).where(Device.identifier == identifier)
    if except_id:
        q = q.where(Device.id != except_id)
    if session.execute(q).first() is not None:
        raise conflict(f"identifier {identifier!r} is already registered", field="identifier")


def create_device(session: Session, *, data: schemas.DeviceIn, principal: Principal) -> tuple[Device, str]:
    """Register a device; returns it and its secret in clear (shown once, stored only as a keyed hash)."""
    require(principal, "devices", "write")
    owner = data.agency_id or principal.agency_id
    if owner is None:
        raise invalid("agency_id", "is required for this caller")
    if not can_write_agency(principal, owner):
        raise forbidden("you may only register devices for your own agency or one below it")
    _identifier_free(session, data.identifier)
    province, district = _owner(session, principal, data.owner_kind, data.owner_id)
    device = Device(
        identifier=data.identifier,
        name=data.name or data.identifier,
        kind=data.kind.value,
        agency_id=owner,
        owner_kind=data.owner_kind.value if data.owner_kind else None,
        owner_id=data.owner_id,
        province=province,
        district=district,
        status=data.status.value,
        notes=data.notes,
    )
    secret = data.secret or _new_secret()
    _set_secret(device, secret)
    audited_create(session, device, kind="devices", principal=principal, subject="tracking.device.created")
    session.add(DeviceLast(device_id=device.id, inside=[], stale=False, separated=False))
    bump(session)
    return device, secret


# A person's device follows the person: whoever sees the person (a guard company by its contract, an
# embassy its nationals) sees the device, at the person's level and read only; the device rules (owner,
# jurisdiction, an agreement on devices) still apply first.


def device_scope(principal: Principal) -> ColumnElement[bool]:
    """The devices the caller may see, as SQL: by the policy, or by seeing the person who carries it."""
    base = scope(Device, "devices", principal)
    if principal.system:
        return base
    persons = select(Person.id).where(scope(Person, "persons", principal), Person.deleted_at.is_(None))
    return or_(base, and_(Device.owner_kind == "person", Device.owner_id.in_(persons)))


def device_view(session: Session, device: Device, principal: Principal) -> View | None:
    """How the caller sees one device: as the policy says, else as it sees the device's person."""
    view = view_of(device, "devices", principal)
    if view is not None or device.owner_kind != "person" or not device.owner_id:
        return view
    person = session.get(Person, device.owner_id)
    if person is None or person.deleted_at is not None:
        return None
    seen = view_of(person, "persons", principal)
    return View(seen.level) if seen is not None else None


def visible_devices(principal: Principal) -> Select[Any]:
    return select(Device).where(device_scope(principal), Device.deleted_at.is_(None))


def get_device(
    session: Session, device_id: str, principal: Principal, *, for_write: bool = False
) -> tuple[Device, View]:
    require(principal, "devices", "read")
    device = session.get(Device, device_id)
    view = (
        device_view(session, device, principal) if device is not None and device.deleted_at is None else None
    )
    if device is None or view is None:
        raise not_found("device")
    if for_write and not view.writable:
        raise forbidden("this device belongs to another agency; you may read it, not change it")
    return device, view


def update_device(
    session: Session, *, device_id: str, data: schemas.DevicePatch, principal: Principal
) -> Device:
    require(principal, "devices", "write")
    device, _ = get_device(session, device_id, principal, for_write=True)
    changes = data.model_dump(exclude_unset=True)
    if "identifier" in changes and changes["identifier"] is None:
        raise invalid("identifier", "may not be null")
    if changes.get("identifier") and changes["identifier"] != device.identifier:
        _identifier_free(session, changes["identifier"], device.id)
    if "owner_kind" in changes or "owner_id" in changes:
        kind = changes.get("owner_kind", device.owner_kind)
        oid = changes.get("owner_id", device.owner_id)
        if (kind is None) != (oid is None):
            raise invalid("owner_id", "owner_kind and owner_id go together: give both or neither")
        changes["province"], changes["district"] = _owner(
            session, principal, str(kind) if kind else None, oid
        )
    values = {
        k: str(getattr(v, "value", v)) if k in {"kind", "status", "owner_kind"} and v is not None else v
        for k, v in changes.items()
        if not (k == "name" and v is None)
    }
    payload = {"id": device.id, "agency_id": device.agency_id}
    if audited_update(
        session, device, values, kind="devices", principal=principal, subject=DEVICE_UPDATED, payload=payload
    ):
        bump(session)
    return device


def rotate_secret(session: Session, *, device_id: str, principal: Principal) -> tuple[Device, str]:
    require(principal, "devices", "write")
    device, _ = get_device(session, device_id, principal, for_write=True)
    secret = _new_secret()
    _set_secret(device, secret)
    device.updated_at = utcnow()
    session.flush([device])
    audited_action(
        session,
        principal=principal,
        action="rotate_secret",
        entity="devices",
        entity_id=device.id,
        after={"secret": "rotated"},
    )
    bump(session)
    return device, secret


def delete_device(session: Session, *, device_id: str, principal: Principal) -> None:
    require(principal, "devices", "write")
    device, _ = get_device(session, device_id, principal, for_write=True)
    audited_delete(session, device, kind="devices", principal=principal, subject="tracking.device.deleted")
    bump(session)


def list_devices(
    session: Session,
    principal: Principal,
    *,
    kind: str | None = None,
    owner_kind: str | None = None,
    owner_id: str | None = None,
    status: str | None = None,
    q: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> tuple[Sequence[Device], str | None]:
    require(principal, "devices", "read")
    stmt = visible_devices(principal)

    def on(name: str, condition: Any) -> Any:  # a field the caller cannot read in full never matches
        return where_readable(Device, "devices", principal, name, condition)

    for name, val in (("kind", kind), ("owner_kind", owner_kind), ("owner_id", owner_id), ("status", status)):
        if val is not None:
            stmt = stmt.where(on(name, getattr(Device, name) == val))
    if q:
        by_identifier = on("identifier", contains_ci(Device.identifier, q))
        stmt = stmt.where(or_(by_identifier, on("name", contains_ci(Device.name, q))))
    return paginate(session, stmt, Device.id, limit, cursor)


def last_rows(session: Session, device_ids: Sequence[str]) -> dict[str, DeviceLast]:
    if not device_ids:
        return {}
    rows = session.scalars(select(DeviceLast).where(DeviceLast.device_id.in_(list(device_ids)))).all()
    return {r.device_id: r for r in rows}


def seen_at(last: DeviceLast | None) -> datetime | None:
    """Last seen: the later of the last fix and the last report without a fix (a sign of life)."""
    stamps = [t for t in (last.at, last.alive_at) if t is not None] if last else []
    return max(stamps) if stamps else None


def is_stale(last: DeviceLast | None, now: datetime | None = None) -> bool:
    seen = seen_at(last)
    if last is None or seen is None:
        return False
    now = now or utcnow()
    return bool(last.stale) or (now - seen).total_seconds() > get_settings().tracking_stale_after_seconds


def present_device(
    device: Device, view: View, principal: Principal, last: DeviceLast | None
) -> dict[str, Any]:
    dec = coarse_for(principal)
    out: dict[str, Any] = {
        "id": device.id,
        "identifier": device.identifier,
        "name": device.name,
        "kind": device.kind,
        "agency_id": device.agency_id,
        "owner_kind": device.owner_kind,
        "owner_id": device.owner_id,
        "province": device.province,
        "district": device.district,
        "status": device.status,
        "last_seen_at": seen_at(last),
        "battery": last.battery if last else None,
        "stale": is_stale(last),
        "last_position": (
            {
                "lat": coarsen(last.lat, dec),
                "lon": coarsen(last.lon, dec),
                "at": last.at,
                "speed_kmh": last.speed_kmh,
                "course": last.course,
                "accuracy": last.accuracy if dec is None else None,
                "source": last.source,
            }
            if last is not None and last.at is not None
            else None
        ),
        "has_secret": device.secret_hash is not None,
        "notes": device.notes,
        "created_at": device.created_at,
        "updated_at": device.updated_at,
    }
    if view.level != "full":
        out = {k: v for k, v in out.items() if k in FIELDS.summary}
    hidden = redacted_outside_tree(principal, "devices", device.agency_id)
    for k in (*view.redact, *hidden):
        if k in out:
            out[k] = None
    if "identifier" in hidden and out.get("name") == device.identifier:
        out["name"] = None  # named after its identifier at registration: the name would tell it
    return out
