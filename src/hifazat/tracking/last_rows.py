"""The `device_last` rows a batch reads and locks, and the probe for positions already stored: plain
statements on the driver's connection (the hot path keeps ORM objects out)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy.orm import Session


@dataclass
class LastRow:
    """Scratch copy of a `device_last` row for the walk (the ORM row is detached at once)."""

    at_ms: int | None
    lat: float | None
    lon: float | None
    battery: float | None
    inside: list[str]
    separated: bool

    def as_read(self) -> tuple[Any, ...]:
        return (self.at_ms, self.lat, self.lon, self.battery, tuple(self.inside), self.separated)


def raw_connection(session: Session) -> Any:
    return session.connection().connection.driver_connection


def last_rows(session: Session, device_ids: list[str], *, lock: bool = False) -> dict[str, LastRow]:
    """Copies of the `device_last` rows of these devices (`lock`: PostgreSQL's FOR UPDATE, in id order)."""
    pg = session.get_bind().dialect.name == "postgresql"
    cols = "device_id, at, lat, lon, battery, inside, separated"
    rows: dict[str, LastRow] = {}
    cur = raw_connection(session).cursor()
    try:
        if pg:
            order = " ORDER BY device_id FOR UPDATE" if lock else ""
            cur.execute(f"SELECT {cols} FROM device_last WHERE device_id = ANY(%s){order}", (device_ids,))  # noqa: S608
        else:
            marks = ",".join("?" * len(device_ids))
            cur.execute(f"SELECT {cols} FROM device_last WHERE device_id IN ({marks})", device_ids)  # noqa: S608
        for d, at, lat, lon, batt, inside, sep in cur.fetchall():
            if isinstance(inside, str | bytes):
                inside = orjson.loads(inside)
            rows[d] = LastRow(at, lat, lon, batt, list(inside or []), bool(sep))
    finally:
        cur.close()
    return rows


def lock_last_rows(session: Session, device_ids: list[str], *, create: bool = True) -> dict[str, LastRow]:
    """Read (PostgreSQL: lock, in id order) the hot rows of these devices; create missing ones (`create`,
    else they are left out)."""
    pg = session.get_bind().dialect.name == "postgresql"
    rows: dict[str, LastRow] = {}
    for start in range(0, len(device_ids), 5000):
        chunk = device_ids[start : start + 5000]
        rows.update(last_rows(session, chunk, lock=True))
        missing = [d for d in chunk if d not in rows]
        if missing and create:
            cur = raw_connection(session).cursor()
            try:
                mark = "%s" if pg else "?"
                ins = "INSERT INTO device_last (device_id, inside, stale, separated)"
                vals = f"VALUES ({mark}, '[]', {mark}, {mark}) ON CONFLICT (device_id) DO NOTHING"
                cur.executemany(f"{ins} {vals}", [(d, False, False) for d in missing])
            finally:
                cur.close()
            rows.update(last_rows(session, missing, lock=True))
    return rows


def stored_pairs(session: Session, pairs: list[tuple[int, int]], dialect: str) -> set[tuple[int, int]]:
    """Which (device, fix time) pairs are already stored: one index probe per pair, driven from the
    pairs side (a row-value IN list makes SQLite scan the table)."""
    raw = raw_connection(session)
    cur = raw.cursor()
    try:
        if dialect == "postgresql":
            cur.execute(
                "SELECT p.device_key, p.at FROM unnest(%s::integer[], %s::bigint[]) AS u(d, t)"
                " JOIN positions p ON p.device_key = u.d AND p.at = u.t",
                ([d for d, _ in pairs], [t for _, t in pairs]),
            )
        else:
            cur.execute(
                "SELECT p.device_key, p.at FROM json_each(?) AS j CROSS JOIN positions AS p"
                " ON p.device_key = j.value ->> 0 AND p.at = j.value ->> 1",
                (orjson.dumps(pairs).decode(),),
            )
        return {(int(d), int(t)) for d, t in cur.fetchall()}
    finally:
        cur.close()


def read_now(session: Session, device_ids: list[str]) -> dict[str, tuple[Any, ...]]:
    return {d: h.as_read() for d, h in last_rows(session, device_ids).items()}
