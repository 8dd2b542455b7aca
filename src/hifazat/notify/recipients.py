"""Resolve recipients (user, role in an agency, unit, agency, webhook, device, phone) to channel targets."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from hifazat.auth.models import Agency, User
from hifazat.config import Settings
from hifazat.notify.models import Channel, NotificationPreference, Webhook
from hifazat.notify.schemas import (
    DEFAULT_CHANNELS,
    USER_CHANNELS,
    ChannelPref,
    QuietHours,
    Recipient,
    severity_rank,
)
from hifazat.registry.models import Person, Unit
from hifazat.tracking.models import Device, DeviceLast
from hifazat.tracking.service import devices_of

log = logging.getLogger("hifazat.notify")

__all__ = ["Recipient", "Target", "resolve"]


@dataclass(frozen=True)
class Target:
    """One resolved destination: becomes one Delivery row."""

    channel: str
    recipient_kind: str  # user | agency | unit | webhook | device
    recipient_id: str
    address: str
    user_id: str | None
    agency_id: str | None
    hold_until: datetime | None = None  # quiet hours: send no earlier than this

    @property
    def identity(self) -> tuple[str, str, str]:
        return (self.recipient_kind, self.recipient_id, self.channel)


@dataclass(frozen=True)
class DeviceInfo:
    id: str
    identifier: str
    protocol: str | None
    agency_id: str | None


def _device_rows(
    session: Session, owner_kind: str | None, owner_id: str | None, device_id: str | None
) -> list[Any]:
    """Tracking devices of an owner, or one device by id."""

    if device_id is not None:
        row = session.get(Device, device_id)
        return [row] if row is not None and row.deleted_at is None else []
    if owner_kind is None or owner_id is None:
        return []
    return list(devices_of(session, owner_kind, owner_id))


def devices(
    session: Session,
    *,
    owner_kind: str | None = None,
    owner_id: str | None = None,
    device_id: str | None = None,
) -> list[DeviceInfo]:
    out = []
    for d in _device_rows(session, owner_kind, owner_id, device_id):
        identifier = getattr(d, "identifier", None)
        if not identifier or getattr(d, "status", "active") != "active":
            continue  # suspended or lost devices are not told anything
        out.append(
            DeviceInfo(
                id=str(d.id),
                identifier=str(identifier),
                protocol=_protocol(session, d),
                agency_id=getattr(d, "agency_id", None),
            )
        )
    return out


def _protocol(session: Session, device: Any) -> str | None:
    """How the device last reported (`owntracks`, `osmand`, `mqtt`...), from tracking's hot row."""

    last = session.get(DeviceLast, device.id)
    return getattr(last, "source", None) if last is not None else None


def mqtt_topic(settings: Settings, device: DeviceInfo) -> str:
    """OwnTracks devices (identifier "<user>/<device>") get their `cmd` topic; others the notify prefix."""
    if device.protocol == "owntracks" and "/" in device.identifier:
        return f"owntracks/{device.identifier}/cmd"
    return f"{settings.notify_mqtt_prefix.rstrip('/')}/{device.identifier}"


def quiet_until(quiet: dict[str, Any] | None, now: datetime) -> datetime | None:
    """End of the quiet period `now` falls in, or None when it is not quiet now."""
    if not quiet:
        return None
    q = QuietHours.model_validate(quiet)
    tz = ZoneInfo(q.timezone)
    local = now.astimezone(tz)
    start = time.fromisoformat(q.start)
    end = time.fromisoformat(q.end)
    t = local.time()
    if start == end:
        return None
    inside = (start <= t < end) if start < end else (t >= start or t < end)
    if not inside:
        return None
    end_dt = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if end_dt <= local:
        end_dt += timedelta(days=1)
    return end_dt.astimezone(now.tzinfo)


def user_channels(pref: NotificationPreference | None, *, topic: str, severity: str) -> list[str]:
    """Channels this user wants for a notification of this topic and severity."""
    configured: dict[str, Any] = dict(pref.channels) if pref and pref.channels else {}
    allowed: Iterable[str] = USER_CHANNELS
    if pref and pref.topics and topic in pref.topics:
        allowed = [c for c in USER_CHANNELS if c in pref.topics[topic]]
    out = []
    for ch in allowed:
        cp = ChannelPref.model_validate(configured[ch]) if ch in configured else DEFAULT_CHANNELS[ch]
        if cp.enabled and severity_rank(severity) >= severity_rank(cp.min_severity):
            out.append(ch)
    return out


class Resolver:
    def __init__(self, session: Session, settings: Settings, *, topic: str, severity: str, now: datetime):
        self.session, self.settings, self.topic, self.severity, self.now = (
            session,
            settings,
            topic,
            severity,
            now,
        )
        self.targets: dict[tuple[str, str, str], Target] = {}
        self.prefs: dict[str, NotificationPreference | None] = {}

    def pref(self, user_id: str) -> NotificationPreference | None:
        if user_id not in self.prefs:
            self.prefs[user_id] = self.session.get(NotificationPreference, user_id)
        return self.prefs[user_id]

    def load_prefs(self, user_ids: list[str]) -> None:
        """One query for many users' preferences (a role or an agency can be dozens of people)."""
        missing = [u for u in user_ids if u not in self.prefs]
        if not missing:
            return
        found = self.session.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id.in_(missing))
        ).all()
        self.prefs.update(dict.fromkeys(missing))
        self.prefs.update({p.user_id: p for p in found})

    def add(self, t: Target) -> None:
        self.targets.setdefault(t.identity, t)

    # --- users -------------------------------------------------------------------------------------
    def user(self, user: User) -> None:
        if not user.active or user.deleted_at is not None:
            return
        pref = self.pref(user.id)
        hold = None
        if severity_rank(self.severity) < severity_rank("critical"):
            hold = quiet_until(pref.quiet_hours if pref else None, self.now)
        for ch in user_channels(pref, topic=self.topic, severity=self.severity):
            if ch == Channel.stream:
                self.add(Target(ch, "user", user.id, f"user:{user.id}", user.id, user.agency_id))
            elif ch == Channel.email:
                address = (pref.email if pref and pref.email else None) or user.email
                if address and self.settings.smtp_host:
                    self.add(Target(ch, "user", user.id, address, user.id, user.agency_id, hold))
            elif ch == Channel.mqtt and self.settings.mqtt_url:
                for d in devices(self.session, owner_kind="user", owner_id=user.id):
                    topic = mqtt_topic(self.settings, d)
                    self.add(Target(ch, "device", d.id, topic, user.id, user.agency_id, hold))

    def users_where(self, *clauses: Any, role: str | None = None) -> None:
        rows = self.session.scalars(
            select(User).where(User.deleted_at.is_(None), User.active.is_(True), *clauses).order_by(User.id)
        ).all()
        chosen = [u for u in rows if role is None or role in (u.roles or [])]
        self.load_prefs([u.id for u in chosen])
        for u in chosen:
            self.user(u)

    # --- other recipients --------------------------------------------------------------------------
    def webhook(self, hook: Webhook, *, explicit: bool) -> None:
        if not hook.active or hook.deleted_at is not None:
            return
        if not explicit and hook.topics and self.topic not in hook.topics:
            return
        self.add(Target(Channel.webhook, "webhook", hook.id, hook.url, None, hook.agency_id))

    def device(self, d: DeviceInfo, agency_id: str | None) -> None:
        if self.settings.mqtt_url:
            topic = mqtt_topic(self.settings, d)
            self.add(Target(Channel.mqtt, "device", d.id, topic, None, d.agency_id or agency_id))

    def agency(self, agency_id: str) -> None:
        agency = self.session.get(Agency, agency_id)
        if agency is None or agency.deleted_at is not None:
            return
        self.users_where(User.agency_id == agency_id, role="operator")
        if agency.contact_email and self.settings.smtp_host:
            self.add(Target(Channel.email, "agency", agency.id, agency.contact_email, None, agency.id))
        hooks = self.session.scalars(
            select(Webhook)
            .where(Webhook.agency_id == agency_id, Webhook.deleted_at.is_(None))
            .order_by(Webhook.id)
        ).all()
        for h in hooks:
            self.webhook(h, explicit=False)

    def unit(self, unit_id: str) -> None:

        unit = self.session.get(Unit, unit_id)
        if unit is None or unit.deleted_at is not None:
            return
        # The unit's own agency dashboard is told the unit was addressed.
        self.add(Target(Channel.stream, "unit", unit.id, f"unit:{unit.id}", None, unit.agency_id))
        for d in devices(self.session, owner_kind="unit", owner_id=unit.id):
            self.device(d, unit.agency_id)
        if unit.phone:
            self.users_where(User.phone == unit.phone)

    def recipient(self, r: Recipient) -> None:
        if r.user_id:
            u = self.session.get(User, r.user_id)
            if u is not None:
                self.user(u)
        elif r.role and r.agency_id:
            self.users_where(User.agency_id == r.agency_id, role=r.role)
        elif r.agency_id:
            self.agency(r.agency_id)
        elif r.unit_id:
            self.unit(r.unit_id)
        elif r.webhook_id:
            hook = self.session.get(Webhook, r.webhook_id)
            if hook is not None:
                self.webhook(hook, explicit=True)
        elif r.device_id:
            for d in devices(self.session, device_id=r.device_id):
                self.device(d, None)
        elif r.phone:
            self.phone(r.phone)

    def phone(self, phone: str) -> None:
        """Users registered with this number, and the devices of protected persons with it."""

        self.users_where(User.phone == phone)
        persons = self.session.scalars(
            select(Person).where(Person.phone == phone, Person.deleted_at.is_(None)).order_by(Person.id)
        ).all()
        for p in persons:
            for d in devices(self.session, owner_kind="person", owner_id=p.id):
                self.device(d, p.agency_id)


def resolve(
    session: Session,
    recipients: Iterable[Recipient],
    *,
    topic: str,
    severity: str,
    now: datetime,
    settings: Settings,
) -> list[Target]:
    """Every distinct (recipient, channel) these recipients stand for, in a stable order."""
    res = Resolver(session, settings, topic=topic, severity=severity, now=now)
    for r in recipients:
        before = len(res.targets)
        res.recipient(r)
        if len(res.targets) == before:
            log.info("recipient resolved to no channel", extra={"recipient": r.label, "topic": topic})
    return list(res.targets.values())
