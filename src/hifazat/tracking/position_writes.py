"""The statements that write a walked batch: positions (sqlite3 executemany in chunks, psycopg COPY), the
`device_last` upsert and the outbox rows of its events; the values are built once per batch by the walk."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy.orm import Session

from hifazat.core.db import utcnow
from hifazat.platform.outbox import _PENDING as OUTBOX_PENDING
from hifazat.platform.outbox import OutboxEvent
from hifazat.platform.sqlite.api import chunk_boundary, write_in_chunks
from hifazat.tracking.fixes import COLUMNS, NUMERIC, Fixes, ms_of
from hifazat.tracking.hooks import TrackingEventData
from hifazat.tracking.last_rows import LastRow, raw_connection


def emit_many(session: Session, events: list[TrackingEventData]) -> None:
    """Outbox rows for many events in one statement (PostgreSQL) or one executemany (SQLite); the event id
    doubles as the outbox id, so the bus and every consumer see the same id. Published after commit exactly
    like `outbox.emit`."""
    if not events:
        return
    now = utcnow()
    dialect = session.get_bind().dialect
    pg = dialect.name == "postgresql"
    stamp = OutboxEvent.__table__.c.created_at.type.bind_processor(dialect)
    created = stamp(now) if stamp else now
    payloads = [ev.payload() for ev in events]
    rows = [
        (ev.id, ev.subject, orjson.dumps(p).decode(), created) for ev, p in zip(events, payloads, strict=True)
    ]
    cur = raw_connection(session).cursor()
    try:
        if pg:  # one statement: the rows as arrays, the seqs back
            cur.execute(
                "INSERT INTO outbox (id, subject, payload, created_at) SELECT * FROM"
                " unnest(%s::varchar[], %s::varchar[], %s::json[], %s::timestamptz[]) RETURNING id, seq",
                [list(col) for col in zip(*rows, strict=True)],
            )
            seq_of: dict[str, int] = dict(cur.fetchall())
        else:
            sql = "INSERT INTO outbox (id, subject, payload, created_at) VALUES (?, ?, ?, ?)"
            cur.executemany(sql, rows)
            ids = [ev.id for ev in events]
            seq_of = {}
            for start in range(0, len(ids), 900):
                chunk = ids[start : start + 900]
                marks = ",".join("?" * len(chunk))
                cur.execute(f"SELECT id, seq FROM outbox WHERE id IN ({marks})", chunk)  # noqa: S608
                seq_of.update(cur.fetchall())
    finally:
        cur.close()
    pending = session.info.setdefault(OUTBOX_PENDING, [])
    pending.extend(
        OutboxEvent(seq=seq_of[ev.id], id=ev.id, subject=ev.subject, payload=p, created_at=now)
        for ev, p in zip(events, payloads, strict=True)
    )


def position_rows(fx: Fixes, keys: list[int], now: datetime) -> list[tuple[Any, ...]]:
    recv = ms_of(now)
    num = [[None if x != x else x for x in fx.numeric[k].tolist()] for k in NUMERIC]  # NaN -> NULL
    attrs = [None if a is None else orjson.dumps(a).decode() for a in fx.attributes]
    rows = list(
        zip(
            keys,
            fx.t_ms.tolist(),
            [recv] * len(fx),
            fx.lat.tolist(),
            fx.lon.tolist(),
            *num,
            fx.sources,
            attrs,
            strict=True,
        )
    )
    return rows


def insert_positions(session: Session, rows: list[tuple[Any, ...]], dialect: str) -> tuple[int, bool]:
    """Insert the positions; returns how many were new (PostgreSQL: all, COPY has no conflict clause) and
    whether chunks were committed apart (`write_in_parts`)."""
    raw = raw_connection(session)
    cols = ", ".join(COLUMNS)
    if dialect == "postgresql":
        with raw.cursor() as cur, cur.copy(f"COPY positions ({cols}) FROM STDIN") as copy:
            for r in rows:
                copy.write_row(r)
        return len(rows), False
    marks = ", ".join("?" for _ in COLUMNS)
    sql = f"INSERT INTO positions ({cols}) VALUES ({marks}) ON CONFLICT DO NOTHING"  # noqa: S608
    cur = raw.cursor()

    def insert(chunk: Sequence[tuple[Any, ...]]) -> int:
        cur.executemany(sql, chunk)
        return max(int(cur.rowcount), 0)

    try:  # in chunks, so that an SOS waiting for the write lock gets it between two
        return write_in_chunks(session, rows, insert)
    finally:
        cur.close()


def last_params(
    fx: Fixes,
    final_row: dict[int, int],
    code_to_dev: list[str],
    last: dict[str, LastRow],
    separated: dict[str, bool],
    now: datetime,
) -> list[tuple[Any, ...]]:
    recv = ms_of(now)
    t_l = fx.t_ms.tolist()
    lat_l, lon_l = fx.lat.tolist(), fx.lon.tolist()
    sp, co, ac = (fx.numeric[k].tolist() for k in ("speed_kmh", "course", "accuracy"))
    params = []
    for c, i in final_row.items():
        d = code_to_dev[c]
        row = last[d]
        params.append(
            (
                t_l[i],
                recv,
                lat_l[i],
                lon_l[i],
                None if sp[i] != sp[i] else sp[i],
                None if co[i] != co[i] else co[i],
                None if ac[i] != ac[i] else ac[i],
                row.battery,
                fx.sources[i],
                orjson.dumps(row.inside or []).decode(),
                separated.get(d, row.separated),
                d,
            )
        )
    return params


def upsert_last(session: Session, params: list[tuple[Any, ...]], dialect: str) -> None:
    if not params:
        return
    names = ("at", "received_at", "lat", "lon", "speed_kmh", "course", "accuracy", "battery", "source")
    cur = raw_connection(session).cursor()
    try:
        if dialect == "postgresql":  # one statement joining the rows given as arrays
            types = ("bigint", "bigint") + ("float8",) * 6 + ("varchar", "text", "boolean", "varchar")
            arrays = ", ".join(f"%s::{t}[]" for t in types)
            sets = ", ".join(f"{c}=u.{c}" for c in names)
            sets += ", inside=u.inside::json, stale=false, separated=u.separated"
            cur.execute(
                f"UPDATE device_last AS d SET {sets}"  # noqa: S608
                f" FROM unnest({arrays}) AS u({', '.join(names)}, inside, separated, device_id)"
                " WHERE d.device_id = u.device_id",
                [list(col) for col in zip(*params, strict=True)],
            )
        else:
            sets = ", ".join(f"{c}=?" for c in names) + ", inside=?, stale=false, separated=?"
            chunk_boundary(session, may_commit=False)  # what the walk read was checked: no part here
            cur.executemany(f"UPDATE device_last SET {sets} WHERE device_id=?", params)  # noqa: S608
    finally:
        cur.close()
