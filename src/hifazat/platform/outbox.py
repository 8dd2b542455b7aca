"""Transactional outbox: events are rows written with the state change, relayed to the bus after commit.

A crash between commit and publish loses nothing: the relay sweeps unpublished rows on start and
periodically, so delivery is at-least-once and ordered by `seq` per worker.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, Integer, String, event, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from hifazat.core.db import Base, new_id, utcnow
from hifazat.platform.audit.chain import stamp
from hifazat.platform.bus import Event, get_bus
from hifazat.platform.db import unit_of_work

log = logging.getLogger("hifazat.platform.outbox")
_PENDING = "hifazat_outbox_pending"
# Seqs already handed to the bus by this process, awaiting one batched "published" mark by the relay.
_published: list[int] = []
_published_lock = threading.Lock()
# Stamped on every event this process hands to the bus, so a subscriber can tell its own events apart.
# A worker's bulk-lane process (hifazat.bulk) shares its front's origin: together they are one worker.
ORIGIN = os.environ.get("HIFAZAT_PROCESS_ORIGIN") or f"{socket.gethostname()}:{os.getpid()}"


class OutboxEvent(Base):
    __tablename__ = "outbox"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    id: Mapped[str] = mapped_column(String(36), unique=True, default=new_id)
    subject: Mapped[str] = mapped_column(String(120))
    payload: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(default=None, index=True)


def emit(session: Session, subject: str, payload: dict[str, Any]) -> OutboxEvent:
    """Queue an event in the caller's transaction; it reaches the bus only if that transaction commits."""
    row = OutboxEvent(id=new_id(), subject=subject, payload=payload, created_at=utcnow())
    session.add(row)
    session.info.setdefault(_PENDING, []).append(row)
    return row


def to_event(row: OutboxEvent) -> Event:
    return Event(id=row.id, subject=row.subject, payload=row.payload, at=stamp(row.created_at), origin=ORIGIN)


@event.listens_for(Session, "after_commit")
def _publish_after_commit(session: Session) -> None:
    rows: list[OutboxEvent] = session.info.pop(_PENDING, [])
    if not rows:
        return
    bus = get_bus()
    for row in rows:
        try:
            bus.publish(to_event(row), on_ack=_acker(row.seq))
        except Exception:  # the relay will retry what was not published
            log.exception("publish after commit failed", extra={"subject": row.subject})
            return


def _acker(seq: int) -> Callable[[], None]:
    def ack() -> None:
        with _published_lock:
            _published.append(seq)

    return ack


@event.listens_for(Session, "after_rollback")
def _drop_on_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def mark_published(session: Session, seqs: list[int]) -> None:
    if seqs:
        session.execute(update(OutboxEvent).where(OutboxEvent.seq.in_(seqs)).values(published_at=utcnow()))


def take_published() -> list[int]:
    with _published_lock:
        seqs = list(_published)
        _published.clear()
    return seqs


MARK_CHUNK = 100  # published rows marked per transaction by `mark_in_chunks`


def mark_in_chunks(chunk: int = MARK_CHUNK) -> int:
    """Mark what this process published, `chunk` rows per short transaction: a second's events in one
    UPDATE held SQLite's write lock for over 100 ms, and an SOS of this process waited behind it. Rows of
    a chunk that fails go back to be marked next time. Returns how many were marked."""
    seqs = take_published()
    for start in range(0, len(seqs), chunk):
        try:
            with unit_of_work() as session:
                mark_published(session, seqs[start : start + chunk])
        except Exception:
            with _published_lock:
                _published.extend(seqs[start:])
            raise
    return len(seqs)


def relay_once(session: Session, *, older_than_s: float = 2.0, limit: int = 500) -> int:
    """Publish rows nobody handed to the bus (a crash); returns how many. (What this process published
    itself is marked by `mark_in_chunks`.)"""
    cutoff = utcnow() - timedelta(seconds=older_than_s)
    q = (
        select(OutboxEvent)
        .where(OutboxEvent.published_at.is_(None), OutboxEvent.created_at <= cutoff)
        .order_by(OutboxEvent.seq)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        q = q.with_for_update(skip_locked=True)
    rows = session.scalars(q).all()
    bus = get_bus()
    for row in rows:
        bus.publish(to_event(row), on_ack=_acker(row.seq))
    return len(rows)
