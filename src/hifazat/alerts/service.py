"""Alerts: raise (every source ends here), read with scope and shares, lifecycle moves. Never commits.

Every change appends to the alert's timeline and the audit chain and emits `alerts.changed` through the
outbox in the same transaction, so a 2xx answer means the alert and its event are durable.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, get_args

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from hifazat.alerts import lifecycle
from hifazat.alerts.events import ALERT_SUBJECT, ALERT_SUMMARY, AlertChanged
from hifazat.alerts.models import Alert, AlertEvent, AlertKind, AlertShare, AlertStatus, Assignment
from hifazat.alerts.schemas import DEFAULT_SEVERITY, AlertIn, AlertOut
from hifazat.auth.access import get_visible
from hifazat.auth.models import User
from hifazat.auth.policy import Principal, View, can_write_agency, require, scope, view_of
from hifazat.config import get_settings
from hifazat.core.db import new_id, utcnow
from hifazat.core.errors import Problem, forbidden, invalid, not_found
from hifazat.core.pagination import decode_cursor, encode_cursor
from hifazat.platform.audit.chain import stamp
from hifazat.platform.audit.writes import NO_EVENT, audited_create, audited_transition
from hifazat.platform.fast_insert import insert_pending
from hifazat.platform.outbox import emit
from hifazat.platform.stream import StreamRoute
from hifazat.registry.models import Person, Site

KIND = "alerts"
SUBJECT = ALERT_SUBJECT
SUMMARY = ALERT_SUMMARY
FULL_RW_SHARED = View("full", writable=True)
STREAM_ROUTE = StreamRoute(SUBJECT, "alert", KIND)


# --- reading --------------------------------------------------------------------------------------------


_SHARES = "hifazat_alert_shares"


def shared_with(session: Session, alert_id: str) -> list[str]:
    """Agencies the alert is explicitly shared with; cached per session (every share goes through `share`)."""
    cache: dict[str, list[str]] = session.info.setdefault(_SHARES, {})
    if alert_id not in cache:
        cache[alert_id] = list(
            session.scalars(select(AlertShare.agency_id).where(AlertShare.alert_id == alert_id))
        )
    return list(cache[alert_id])


def alert_scope(principal: Principal) -> ColumnElement[bool]:
    """Alerts the caller may see: policy scope, plus explicit shares to the caller's agency tree."""
    base = scope(Alert, KIND, principal)
    if principal.system or not principal.tree:
        return base
    shared = select(AlertShare.alert_id).where(AlertShare.agency_id.in_(principal.tree))
    return or_(base, Alert.id.in_(shared))


def view_for(session: Session, alert: Alert, principal: Principal) -> View | None:
    """Owner tree: full and writable. Shared to the caller (an escalation target): full and writable, so it
    can acknowledge. Jurisdiction and sharing agreements: read only, at their level."""
    view = view_of(alert, KIND, principal)
    if view is not None and view.writable:
        return view
    if principal.tree:
        hit = session.scalar(
            select(AlertShare.id)
            .where(AlertShare.alert_id == alert.id, AlertShare.agency_id.in_(principal.tree))
            .limit(1)
        )
        if hit is not None:
            return FULL_RW_SHARED
    return view


def get_alert(
    session: Session, alert_id: str, principal: Principal, *, for_write: bool = False
) -> tuple[Alert, View]:
    require(principal, KIND, "read")
    if for_write and session.get_bind().dialect.name == "postgresql":
        alert = session.get(Alert, alert_id, with_for_update=True)
    else:
        alert = session.get(Alert, alert_id)
    if alert is None:
        raise not_found("alert")
    view = view_for(session, alert, principal)
    if view is None:
        raise not_found("alert")
    if for_write and not view.writable:
        raise forbidden("this alert belongs to another agency and was not escalated to yours")
    return alert, view


def list_alerts(
    session: Session,
    principal: Principal,
    *,
    status: str | None = None,
    kind: str | None = None,
    severity: str | None = None,
    open_only: bool = False,
    limit: int = 50,
    cursor: str | None = None,
) -> tuple[Sequence[Alert], str | None]:
    """Newest first."""
    require(principal, KIND, "read")
    stmt = select(Alert).where(alert_scope(principal))
    if status:
        stmt = stmt.where(Alert.status == status)
    if kind:
        stmt = stmt.where(Alert.kind == kind)
    if severity:
        stmt = stmt.where(Alert.severity == severity)
    if open_only:
        stmt = stmt.where(Alert.status.in_(sorted(lifecycle.OPEN_STATES)))
    if cursor:
        stmt = stmt.where(Alert.id < decode_cursor(cursor))
    rows = session.scalars(stmt.order_by(Alert.id.desc()).limit(limit + 1)).all()
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, encode_cursor(rows[-1].id)
    return rows, None


def assignments_of(session: Session, alert_id: str) -> list[Assignment]:
    return list(
        session.scalars(
            select(Assignment).where(Assignment.alert_id == alert_id).order_by(Assignment.assigned_at)
        )
    )


def assignment_json(a: Assignment) -> dict[str, Any]:
    return {
        "id": a.id,
        "unit_id": a.unit_id,
        "status": a.status,
        "distance_m": a.distance_m,
        "assigned_at": stamp(a.assigned_at),
        "assigned_by": a.assigned_by,
        "updated_at": stamp(a.updated_at),
    }


_OUT_FIELDS = tuple(AlertOut.model_fields)


def _typed(kind: type) -> tuple[str, ...]:
    return tuple(
        k for k, f in AlertOut.model_fields.items() if kind in (f.annotation, *get_args(f.annotation))
    )


_OUT_STAMPED, _OUT_FLOATS = _typed(datetime), _typed(float)


def alert_json(
    alert: Alert, *, shares: Iterable[str] = (), assignments: Iterable[Assignment] = ()
) -> dict[str, Any]:
    # AlertOut's fields read straight from the row (every SOS makes this twice: the event and the answer;
    # through the model it was a tenth of the SOS's work). Columns are typed, so nothing needs validating.
    state = alert.__dict__
    data = {k: state[k] if k in state else getattr(alert, k) for k in _OUT_FIELDS}
    for key in _OUT_STAMPED:
        value = data[key]
        data[key] = stamp(value) if value is not None else None
    for key in _OUT_FLOATS:
        value = data[key]
        data[key] = float(value) if value is not None else None
    data["shared_with"] = sorted(shares)
    data["assignments"] = [assignment_json(a) for a in assignments]
    data["actions"] = lifecycle.allowed_actions(alert.status)
    return data


def present(
    session: Session, alert: Alert, view: View, *, assignments: Iterable[Assignment] | None = None
) -> dict[str, Any]:
    assigned = assignments_of(session, alert.id) if assignments is None else assignments
    data = alert_json(alert, shares=shared_with(session, alert.id), assignments=assigned)
    data["view"] = view.level
    data["writable"] = view.writable
    if view.level != "full":
        data = {k: (v if k in SUMMARY or k in ("view", "writable") else None) for k, v in data.items()}
        data["actions"] = []
    for k in view.redact:
        if k in data:
            data[k] = None
    return data


def emit_changed(
    session: Session, alert: Alert, change: str, *, assignments: Iterable[Assignment] | None = None
) -> None:
    """Queue `alerts.changed` (SSE event `alert`) with the alert as JSON, its scope and its shares (so the
    stream shows the alert to escalated-to agencies)."""
    shares = shared_with(session, alert.id)
    assigned = assignments_of(session, alert.id) if assignments is None else assignments
    data = alert_json(alert, shares=shares, assignments=assigned)
    event = AlertChanged(alert.scope, data, change, tuple(shares))
    emit(session, SUBJECT, event.payload())


def add_event(
    session: Session,
    alert: Alert,
    principal: Principal,
    action: str,
    *,
    from_status: str | None = None,
    to_status: str | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> AlertEvent:
    ev = AlertEvent(
        alert_id=alert.id,
        at=utcnow(),
        actor_id=principal.user_id,
        actor=principal.username,
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
        data=data or {},
    )
    session.add(ev)
    return ev


def timeline(session: Session, alert_id: str) -> list[AlertEvent]:
    return list(
        session.scalars(
            select(AlertEvent).where(AlertEvent.alert_id == alert_id).order_by(AlertEvent.at, AlertEvent.id)
        )
    )


def event_json(e: AlertEvent) -> dict[str, Any]:
    return {
        "id": e.id,
        "at": stamp(e.at),
        "actor": e.actor,
        "actor_id": e.actor_id,
        "action": e.action,
        "from_status": e.from_status,
        "to_status": e.to_status,
        "note": e.note,
        "data": e.data,
    }


def share(session: Session, alert: Alert, agency_ids: Iterable[str], reason: str) -> list[str]:
    """Record explicit shares (idempotent); returns the agencies newly added."""
    have = set(shared_with(session, alert.id)) | {alert.agency_id}
    added = []
    for agency_id in dict.fromkeys(agency_ids):
        if agency_id and agency_id not in have:
            session.add(AlertShare(alert_id=alert.id, agency_id=agency_id, reason=reason[:200]))
            added.append(agency_id)
            have.add(agency_id)
    if added:
        session.info[_SHARES][alert.id].extend(added)
    return added


# --- raising --------------------------------------------------------------------------------------------


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
    lat: float | None = None,
    lon: float | None = None,
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
    from hifazat.alerts import escalation

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
        title=title[:200],
        description=description,
        lat=lat,
        lon=lon,
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
    emit_changed(session, alert, "created", assignments=[])
    # Last: all the alert's rows and its entry at once, without the flush (on PostgreSQL one statement):
    # every SOS comes here.
    insert_pending(session)
    return alert


def _person_label(p: Person) -> str:
    return f"{p.given_name} {p.family_name}".strip()


def create(session: Session, data: AlertIn, principal: Principal, *, source: str = "api") -> Alert:
    """POST /alerts: an SOS (anyone signed in, for a person, a device or themselves) or a manual alert."""
    if data.kind == AlertKind.sos:
        require(principal, KIND, "read")
    else:
        require(principal, KIND, "write")
    severity = (data.severity or DEFAULT_SEVERITY.get(data.kind) or "medium").__str__()
    person: Person | None = None
    site: Site | None = None
    found: Any
    device_owner: tuple[str | None, str | None] = (None, None)
    subject_user_id: str | None = None
    owner: str | None = None
    # The province comes from the caller, else the site, the person, the device; the district from the
    # first of those lying in that province (as the policy reads them: a district inside its province).
    place = _Place(data.province)
    if data.site_id:
        try:
            found, _ = get_visible(session, Site, "sites", data.site_id, principal)
        except Problem as exc:
            raise invalid("site_id", "no such site visible to you") from exc
        site = found
        place.take(found.province, found.district)
    if data.person_id:
        try:
            found, _ = get_visible(session, Person, "persons", data.person_id, principal)
        except Problem as exc:
            raise invalid("person_id", "no such person visible to you") from exc
        person = found
        owner = found.agency_id
        place.take(found.province, found.district)
    elif data.device_id:
        dev = _device(session, data.device_id, principal)
        owner = dev["agency_id"]
        place.take(dev.get("province"), dev.get("district"))
        device_owner = (dev.get("owner_kind"), dev.get("owner_id"))
        if device_owner[0] == "person" and device_owner[1]:
            person = session.get(Person, device_owner[1])
        elif device_owner[0] == "user":
            subject_user_id = device_owner[1]
    elif data.for_self:
        subject_user_id = principal.user_id
        owner = principal.agency_id
    if data.agency_id:
        if not can_write_agency(principal, data.agency_id):
            raise invalid("agency_id", "you may only raise alerts for your own agency or one below it")
        owner = data.agency_id
    owner = owner or principal.agency_id
    if owner is None:
        raise invalid("agency_id", "is required for this caller")
    if person is not None:
        label = _person_label(person)
    elif subject_user_id == principal.user_id and principal.full_name is not None:
        label = principal.full_name or principal.username  # an SOS for oneself: the name came with the token
    elif subject_user_id:
        names = session.execute(
            select(User.full_name, User.username).where(User.id == subject_user_id)
        ).first()
        label = (names[0] or names[1]) if names else "user"
    elif data.device_id:
        label = f"device {data.device_id[:8]}"
    else:
        label = site.name if site else ""
    kind_label = "SOS" if data.kind == AlertKind.sos else data.kind.replace("_", " ").capitalize()
    title = data.title or (f"{kind_label}: {label}" if label else kind_label)
    extra_share = [principal.agency_id] if principal.agency_id and principal.agency_id != owner else []
    return raise_alert(
        session,
        actor=principal,
        agency_id=owner,
        kind=data.kind.value,
        severity=severity,
        source=source,
        title=title,
        description=data.description,
        lat=data.lat,
        lon=data.lon,
        person_id=person.id if person else None,
        subject_user_id=subject_user_id,
        device_id=data.device_id,
        site_id=site.id if site else None,
        province=place.province,
        district=place.district,
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
    """The device as owner/agency facts, through the tracking domain when it is installed."""
    try:
        from hifazat.tracking import models as tmodels
    except ImportError as exc:
        raise invalid("device_id", "device tracking is not available on this server") from exc
    device_model = getattr(tmodels, "Device", None)
    if device_model is None:
        raise invalid("device_id", "device tracking is not available on this server")
    try:
        dev, _ = get_visible(session, device_model, "devices", device_id, principal)
    except Problem as exc:
        raise invalid("device_id", "no such device visible to you") from exc
    return {
        "agency_id": dev.agency_id,
        "province": getattr(dev, "province", None),
        "district": getattr(dev, "district", None),
        "owner_kind": getattr(dev, "owner_kind", None),
        "owner_id": getattr(dev, "owner_id", None),
    }


# --- lifecycle ------------------------------------------------------------------------------------------


def transition(session: Session, *, alert_id: str, action: str, note: str, principal: Principal) -> Alert:
    require(principal, KIND, "write")
    alert, _ = get_alert(session, alert_id, principal, for_write=True)
    return apply_transition(session, alert, action, note=note, principal=principal)


def apply_transition(
    session: Session, alert: Alert, action: str, *, note: str, principal: Principal, check_roles: bool = True
) -> Alert:
    from hifazat.alerts import dispatch, escalation

    if action not in lifecycle.ACTIONS:
        raise invalid("action", f"must be one of {', '.join(lifecycle.ACTIONS)}")
    current = alert.status
    t = lifecycle.lookup(current, action)
    if t is None:
        allowed = lifecycle.allowed_actions(current)
        raise Problem(
            409,
            "Conflict",
            f"cannot {action} an alert that is {current}"
            + (f"; allowed now: {', '.join(allowed)}" if allowed else "; it admits no action now"),
            errors=[{"field": "status", "reason": f"alert is {current}"}],
            current_state=current,
            allowed_actions=allowed,
        )
    if check_roles and not principal.has(*t.roles):
        raise forbidden(f"{action} on an alert needs one of the roles: {', '.join(sorted(t.roles))}")
    now = utcnow()
    if action == "reopen" and current == AlertStatus.resolved.value:
        window = get_settings().alerts_reopen_window_s
        if alert.resolved_at is not None and now - alert.resolved_at > timedelta(seconds=window):
            raise Problem(
                409,
                "Conflict",
                f"this alert was resolved more than {window} s ago; raise a new alert instead",
                errors=[{"field": "status", "reason": "reopen window has passed"}],
                current_state=current,
                allowed_actions=[],
            )
    alert.status = t.to
    alert.updated_at = now
    if t.to == AlertStatus.acknowledged and alert.acknowledged_at is None:
        alert.acknowledged_at, alert.acknowledged_by = now, principal.username
    if t.closes:
        alert.resolved_at, alert.resolved_by = now, principal.username
    if action == "reopen":
        alert.resolved_at, alert.resolved_by = None, None
        if t.to == AlertStatus.new:
            alert.acknowledged_at, alert.acknowledged_by = None, None
    add_event(session, alert, principal, action, from_status=current, to_status=t.to, note=note)
    audited_transition(
        session,
        alert,
        kind=KIND,
        principal=principal,
        action=action,
        from_status=current,
        to_status=t.to,
        note=note,
    )
    if t.stops_escalation or t.closes:
        escalation.cancel(session, alert)
    if t.closes:
        dispatch.release_all(session, alert, principal)
    if t.restarts_escalation:
        escalation.start(session, alert, principal, now=now)
    session.flush()
    emit_changed(session, alert, action)
    return alert
