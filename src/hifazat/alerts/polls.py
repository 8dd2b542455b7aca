""" "Are you safe?" accountability polls: to everyone inside an area (polygon, circle or site) or a list.

Persons are located by their last tracked position when the tracking domain has one, else by the centre of
their residence site. Answers (safe / need_help) come via the API, the dashboard or an SMS reply; whoever has
not answered by the deadline counts as "no answer". A need_help answer raises an alert for that person.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from shapely.geometry import Point, shape
from sqlalchemy import select
from sqlalchemy.orm import Session

from hifazat.alerts.dispatch import _tracked, haversine_m
from hifazat.alerts.events import POLL_SUBJECT, PollChanged
from hifazat.alerts.models import Poll, PollRecipient
from hifazat.alerts.notifications import notify_persons
from hifazat.alerts.raising import raise_alert
from hifazat.alerts.schemas import Area, PollIn
from hifazat.auth.access import get_visible, visible_select
from hifazat.auth.policy import Principal, can_write_agency, require, scope, system_actor, view_of
from hifazat.core.db import utcnow
from hifazat.core.errors import Problem, conflict, forbidden, invalid, not_found
from hifazat.platform.audit.chain import stamp
from hifazat.platform.audit.writes import audited_action
from hifazat.platform.outbox import emit
from hifazat.platform.stream import StreamRoute
from hifazat.registry.models import Person, PersonStatus, Site

KIND = "polls"
SUBJECT = POLL_SUBJECT
ANSWERS = ("safe", "need_help")
STREAM_ROUTE = StreamRoute(SUBJECT, "poll", KIND)


def _inside(area: dict[str, Any], radius_m: float | None) -> Any:
    if area["type"] == "Point":
        lon, lat = area["coordinates"]
        r = float(radius_m or 0)
        return lambda la, lo: haversine_m(lat, lon, la, lo) <= r
    poly = shape(area)
    return lambda la, lo: poly.covers(Point(lo, la))


def person_positions(session: Session, persons: list[Person]) -> dict[str, tuple[float, float, str]]:
    out: dict[str, tuple[float, float, str]] = {}
    for pid, (lat, lon, _at) in _tracked(session, "person", [p.id for p in persons]).items():
        out[pid] = (float(lat), float(lon), "tracked")
    site_ids = {p.residence_site_id for p in persons if p.id not in out and p.residence_site_id}
    if site_ids:
        sites = {s.id: s for s in session.scalars(select(Site).where(Site.id.in_(site_ids)))}
        for p in persons:
            s = sites.get(p.residence_site_id or "")
            if p.id not in out and s is not None:
                out[p.id] = (s.center_lat, s.center_lon, "residence")
    return out


def persons_in_area(
    session: Session, area: Area, principal: Principal
) -> tuple[list[Person], Site | None, dict[str, Any]]:
    site: Site | None = None
    if area.site_id is not None:  # "" is a site id too (none such), not "no site": else no geometry either
        try:
            found, _ = get_visible(session, Site, "sites", area.site_id, principal)
        except Problem as exc:
            raise invalid("area.site_id", "no such site visible to you") from exc
        site = found
        geometry, radius = found.geometry, found.radius_m
    else:
        assert area.geometry is not None
        geometry, radius = area.geometry, area.radius_m
    inside = _inside(geometry, radius)
    persons = list(
        session.scalars(
            visible_select(Person, "persons", principal).where(Person.status == PersonStatus.in_country.value)
        )
    )
    positions = person_positions(session, persons)
    hits = [p for p in persons if p.id in positions and inside(positions[p.id][0], positions[p.id][1])]
    return hits, site, {"geometry": geometry, "radius_m": radius}


def tally(session: Session, poll: Poll) -> dict[str, int]:
    answers = list(session.scalars(select(PollRecipient.answer).where(PollRecipient.poll_id == poll.id)))
    past = poll.status == "closed" or utcnow() > poll.deadline
    unanswered = sum(1 for a in answers if a is None)
    return {
        "total": len(answers),
        "safe": sum(1 for a in answers if a == "safe"),
        "need_help": sum(1 for a in answers if a == "need_help"),
        "no_answer": unanswered if past else 0,
        "pending": 0 if past else unanswered,
    }


def poll_json(session: Session, poll: Poll) -> dict[str, Any]:
    return {
        "id": poll.id,
        "agency_id": poll.agency_id,
        "province": poll.province,
        "district": poll.district,
        "question": poll.question,
        "area": poll.area,
        "site_id": poll.site_id,
        "deadline": stamp(poll.deadline),
        "status": "closed" if poll.status == "closed" or utcnow() > poll.deadline else "open",
        "created_by": poll.created_by,
        "created_at": stamp(poll.created_at),
        "tally": tally(session, poll),
    }


def recipients_json(session: Session, poll: Poll) -> list[dict[str, Any]]:
    rows = session.execute(
        select(PollRecipient, Person)
        .join(Person, Person.id == PollRecipient.person_id)
        .where(PollRecipient.poll_id == poll.id)
        .order_by(Person.family_name, Person.given_name)
    ).all()
    return [
        {
            "person_id": p.id,
            "name": f"{p.given_name} {p.family_name}",
            "answer": r.answer,
            "answered_at": stamp(r.answered_at) if r.answered_at else None,
            "channel": r.channel,
            "alert_id": r.alert_id,
        }
        for r, p in rows
    ]


def _emit(session: Session, poll: Poll, change: str) -> None:
    event = PollChanged(poll.scope, poll_json(session, poll), change)
    emit(session, SUBJECT, event.payload())


def create(session: Session, data: PollIn, principal: Principal) -> Poll:

    require(principal, KIND, "write")
    owner = data.agency_id or principal.agency_id
    if owner is None or not can_write_agency(principal, owner):
        raise invalid("agency_id", "you may only send polls for your own agency or one below it")
    site: Site | None = None
    area_json: dict[str, Any] | None = None
    if data.person_ids is not None:
        persons = []
        for i, pid in enumerate(dict.fromkeys(data.person_ids)):
            try:
                p, _ = get_visible(session, Person, "persons", pid, principal)
            except Problem as exc:
                raise invalid(f"person_ids.{i}", "no such person visible to you") from exc
            persons.append(p)
    else:
        assert data.area is not None
        persons, site, area_json = persons_in_area(session, data.area, principal)
        if not persons:
            raise invalid("area", "no protected person is known to be inside this area")
    now = utcnow()
    poll = Poll(
        agency_id=owner,
        province=site.province if site else None,
        district=site.district if site else None,
        question=data.question,
        area=area_json,
        site_id=site.id if site else None,
        deadline=now + timedelta(seconds=data.deadline_s),
        status="open",
        created_by=principal.username,
    )
    session.add(poll)
    session.flush([poll])
    for p in persons:
        session.add(PollRecipient(poll_id=poll.id, person_id=p.id))
    session.flush()
    audited_action(
        session,
        principal=principal,
        action="create",
        entity=KIND,
        entity_id=poll.id,
        owner_agency_id=poll.agency_id,
        after={"question": poll.question, "recipients": len(persons), "deadline": stamp(poll.deadline)},
    )
    phones = [p.phone for p in persons if p.phone]
    notify_persons(
        session,
        ref_kind="poll",
        ref_id=poll.id,
        payload={
            "title": poll.question,
            "text": f"{poll.question} Reply SAFE if you are safe, HELP if you need help.",
            "agency_id": owner,
            "severity": "high",
            "poll_id": poll.id,
        },
        phones=phones,
        reason="ask",
    )
    _emit(session, poll, "created")
    return poll


def get(session: Session, poll_id: str, principal: Principal) -> Poll:
    require(principal, KIND, "read")
    poll = session.get(Poll, poll_id)
    if poll is None or view_of(poll, KIND, principal) is None:
        raise not_found("poll")
    return poll


def list_polls(session: Session, principal: Principal, limit: int = 100) -> list[Poll]:
    require(principal, KIND, "read")
    return list(
        session.scalars(
            select(Poll).where(scope(Poll, KIND, principal)).order_by(Poll.id.desc()).limit(limit)
        )
    )


def _last_position(session: Session, person: Person) -> tuple[float | None, float | None]:
    pos = person_positions(session, [person]).get(person.id)
    return (pos[0], pos[1]) if pos else (None, None)


def record_answer(
    session: Session, poll: Poll, person_id: str, answer: str, *, channel: str, actor: Principal
) -> PollRecipient:

    if answer not in ANSWERS:
        raise invalid("answer", f"must be one of {', '.join(ANSWERS)}")
    now = utcnow()
    if poll.status == "closed" or now > poll.deadline:
        raise conflict("this poll is closed: its deadline has passed or it was closed", field="poll")
    row = session.scalar(
        select(PollRecipient).where(PollRecipient.poll_id == poll.id, PollRecipient.person_id == person_id)
    )
    if row is None:
        raise invalid("person_id", "this person was not asked in this poll")
    if row.answer == answer:
        return row
    before = row.answer
    row.answer, row.answered_at, row.channel = answer, now, channel
    if answer == "need_help" and row.alert_id is None:
        person = session.get(Person, person_id)
        assert person is not None
        lat, lon = _last_position(session, person)
        alert = raise_alert(
            session,
            actor=actor,
            agency_id=person.agency_id,
            kind="need_help",
            severity="high",
            source="poll",
            title=f"Needs help: {person.given_name} {person.family_name}",
            description=f'Answered "need help" to: {poll.question}',
            lat=lat,
            lon=lon,
            person_id=person.id,
            province=person.province,
            district=person.district,
            nationality=person.nationality,
            poll_id=poll.id,
            share_with=[poll.agency_id],
            data={"poll_id": poll.id, "channel": channel},
        )
        row.alert_id = alert.id
    audited_action(
        session,
        principal=actor,
        action="answer",
        entity=KIND,
        entity_id=poll.id,
        owner_agency_id=poll.agency_id,
        before={"person_id": person_id, "answer": before},
        after={"person_id": person_id, "answer": answer, "channel": channel},
    )
    session.flush()
    _emit(session, poll, "answered")
    return row


def answer_api(
    session: Session, poll_id: str, person_id: str, answer: str, principal: Principal, channel: str = "api"
) -> PollRecipient:
    require(principal, KIND, "write")
    poll = get(session, poll_id, principal)
    if not can_write_agency(principal, poll.agency_id):
        # Reading a poll (a partner, the national centre) is not answering for the owner's people: an
        # answer moves the tally and a "need_help" raises an alert in the owner's name.
        raise forbidden("this poll belongs to another agency; you may read it, not answer on it")
    return record_answer(session, poll, person_id, answer, channel=channel, actor=principal)


def open_poll_for(session: Session, person_id: str) -> Poll | None:
    """The newest open poll that asked this person (for an SMS reply)."""
    return session.scalar(
        select(Poll)
        .join(PollRecipient, PollRecipient.poll_id == Poll.id)
        .where(PollRecipient.person_id == person_id, Poll.status == "open", Poll.deadline > utcnow())
        .order_by(Poll.created_at.desc())
        .limit(1)
    )


def close(session: Session, poll_id: str, principal: Principal) -> Poll:
    require(principal, KIND, "write")
    poll = get(session, poll_id, principal)
    if not can_write_agency(principal, poll.agency_id):
        raise invalid("poll", "belongs to another agency")
    if poll.status == "closed":
        raise conflict("this poll is already closed", field="status")
    poll.status = "closed"
    poll.updated_at = utcnow()
    audited_action(
        session,
        principal=principal,
        action="close",
        entity=KIND,
        entity_id=poll.id,
        owner_agency_id=poll.agency_id,
        after={"status": "closed"},
    )
    session.flush()
    _emit(session, poll, "closed")
    return poll


SMS_ACTOR = system_actor("sms")
