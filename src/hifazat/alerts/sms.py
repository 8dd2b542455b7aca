"""Inbound SMS in the common gateway form (`From`, `Body`): a registered phone texting SOS, SAFE or HELP.

Where data fails, SMS still gets through. The gateway authenticates with the shared secret
`HIFAZAT_SMS_WEBHOOK_TOKEN` (header `X-Hifazat-Token` or `?token=`). A number that is not a registered
person's or user's phone gets a clear refusal (403) and an audit entry — never an alert. Replies are TwiML
(`<Response><Message>...</Message></Response>`), which common gateways relay back to the sender.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from typing import Annotated
from xml.sax.saxutils import escape

from fastapi import APIRouter, Form, Header, Query, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from hifazat.alerts import polls, rules
from hifazat.alerts.raising import raise_alert
from hifazat.auth.models import User
from hifazat.auth.policy import system_actor
from hifazat.config import get_settings
from hifazat.core.db import utcnow
from hifazat.core.errors import Problem, problem_response
from hifazat.platform.audit.writes import audited_action
from hifazat.platform.deps import DbSession
from hifazat.registry.models import Person, PersonStatus

router = APIRouter(prefix="/api/v1", tags=["alerts"])
_DIGITS = re.compile(r"\D+")


def normalise(phone: str) -> str:
    """Digits in international form: "+92 300 1234567", "0300-1234567" and "923001234567" all match."""
    raw = phone.strip()
    digits = _DIGITS.sub("", raw)
    if raw.startswith("00"):
        digits = digits[2:]
    elif digits.startswith("0") and len(digits) == 11:  # Pakistani national format
        digits = "92" + digits[1:]
    return digits


@dataclass(frozen=True)
class Sender:
    kind: str  # "person" | "user"
    id: str
    agency_id: str
    name: str


def find_sender(session: Session, phone: str) -> Sender | None:
    want = normalise(phone)
    if len(want) < 6:
        return None
    for p in session.scalars(
        select(Person).where(
            Person.phone.is_not(None),
            Person.deleted_at.is_(None),
            Person.status == PersonStatus.in_country.value,
            Person.phone.like("%" + want[-1]),  # cheap pre-filter: stored numbers end in the same digit
        )
    ):
        if p.phone and normalise(p.phone) == want:
            return Sender("person", p.id, p.agency_id, f"{p.given_name} {p.family_name}")
    for u in session.scalars(
        select(User).where(User.phone.is_not(None), User.deleted_at.is_(None), User.active.is_(True))
    ):
        if u.phone and normalise(u.phone) == want:
            return Sender("user", u.id, u.agency_id, u.full_name or u.username)
    return None


def twiml(message: str, status: int = 200) -> Response:
    body = f'<?xml version="1.0" encoding="UTF-8"?><Response><Message>{escape(message)}</Message></Response>'
    return Response(body, status_code=status, media_type="application/xml")


def _mask(phone: str) -> str:
    d = normalise(phone)
    return ("*" * max(len(d) - 4, 0)) + d[-4:]


def handle(session: Session, phone: str, body: str) -> Response:

    actor = system_actor("sms")
    sender = find_sender(session, phone)
    word = (body.strip().split() or [""])[0].upper().strip(".!")
    if sender is None:
        audited_action(
            session,
            principal=actor,
            action="sms_refused",
            entity="alerts",
            entity_id=None,
            after={"from": _mask(phone), "command": word[:20], "reason": "unregistered number"},
        )
        return twiml(
            "Hifazat: this phone number is not registered. Your message was NOT treated as an alert. "
            "Call the emergency line (15) or your security focal person.",
            status=403,
        )
    actor = system_actor(f"sms:{sender.kind}:{sender.id[:8]}", sender.agency_id)
    person = session.get(Person, sender.id) if sender.kind == "person" else None
    if word in ("SAFE", "HELP") and person is not None:
        poll = polls.open_poll_for(session, person.id)
        if poll is not None:
            answer = "safe" if word == "SAFE" else "need_help"
            polls.record_answer(session, poll, person.id, answer, channel="sms", actor=actor)
            if answer == "safe":
                return twiml("Hifazat: thank you, you are marked SAFE.")
            return twiml("Hifazat: help is on the way. Stay where you are if it is safe to do so.")
    if word in ("SOS", "HELP"):
        kind = "sos" if word == "SOS" else "need_help"
        key = rules.subject_key(kind, sender.kind, sender.id, None)
        rule = rules.rule_for(session, sender.agency_id, "sos")
        window = rule.suppress_s if rule else 60

        now = utcnow()
        existing = rules.suppressing_alert(session, key, now, window)
        if existing is not None:
            rules.fold_repeat(
                session, existing, now, {"source": "sms", "from": _mask(phone), "text": body[:160]}
            )
            return twiml("Hifazat: your SOS is already with the control room. Help is on the way.")
        lat = lon = None
        if person is not None:
            pos = polls.person_positions(session, [person]).get(person.id)
            if pos:
                lat, lon = pos[0], pos[1]
        raise_alert(
            session,
            actor=actor,
            agency_id=sender.agency_id,
            kind=kind,
            severity="critical" if kind == "sos" else "high",
            source="sms",
            title=f"{'SOS' if kind == 'sos' else 'Needs help'} by SMS: {sender.name}",
            description=body[:1000],
            lat=lat,
            lon=lon,
            person_id=person.id if person else None,
            subject_user_id=sender.id if sender.kind == "user" else None,
            province=person.province if person else None,
            district=person.district if person else None,
            nationality=person.nationality if person else None,
            dedupe_key=key,
            data={"from": _mask(phone), "position": "last known" if lat is not None else "unknown"},
        )
        return twiml("Hifazat: SOS received. The control room has been alerted. Help is on the way.")
    if word == "SAFE":
        audited_action(
            session,
            principal=actor,
            action="sms_safe",
            entity="alerts",
            entity_id=None,
            after={"from": _mask(phone)},
        )
        return twiml("Hifazat: noted that you are safe. There is no open safety check for you right now.")
    return twiml("Hifazat: reply SOS if you are in danger, SAFE if you are safe, HELP if you need help.")


@router.post("/sms/inbound", summary="Inbound SMS webhook (gateway form: From, Body)")
def inbound(
    session: DbSession,
    From: Annotated[str, Form(min_length=3, max_length=40, description="Sender's phone number")],
    Body: Annotated[str, Form(max_length=1600, description="Message text")],
    x_hifazat_token: Annotated[str | None, Header(max_length=200)] = None,
    token: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    secret = get_settings().sms_webhook_token
    if secret is None:
        raise Problem(503, "Service Unavailable", "the SMS webhook is not configured on this server")
    given = x_hifazat_token or token or ""
    if not hmac.compare_digest(given.encode(), secret.get_secret_value().encode()):
        raise Problem(401, "Unauthorized", "wrong or missing SMS gateway token")
    return handle(session, From, Body)


__all__ = ["problem_response", "router"]
