"""Shared foundation fixtures (see tests/auth/conftest.py), and what the audit-coverage test reads from the
database: every table's rows, the entries appended since a point, and a commit that fails on purpose."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from hifazat.core.db import Base
from hifazat.platform.audit.log import verify
from hifazat.platform.audit.models import AuditEntry
from hifazat.platform.db import get_engine, unit_of_work
from tests.auth.conftest import login_as

__all__ = [
    "InjectedFailure",
    "audit_head",
    "chain_ok",
    "entries_after",
    "failing_commit",
    "login_as",
    "tables",
]

# Rewritten by the outbox relay in the background (published_at), not by the request: compared by key only.
_KEYS_ONLY = {"outbox": "id"}


class InjectedFailure(RuntimeError):
    """Raised by the test at the commit of a transaction that appended to the audit log."""


def tables() -> dict[str, list[str]]:
    """Every mapped table's rows, each row rendered and the list sorted, read on one fresh connection."""
    out: dict[str, list[str]] = {}
    with get_engine().connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name in _KEYS_ONLY:
                rows = conn.execute(select(table.c[_KEYS_ONLY[table.name]])).all()
            else:
                rows = conn.execute(select(table)).all()
            out[table.name] = sorted(repr(tuple(r)) for r in rows)
    return out


def audit_head() -> int:
    with unit_of_work(readonly=True) as s:
        return int(s.scalar(select(func.coalesce(func.max(AuditEntry.seq), 0))) or 0)


def entries_after(seq: int) -> list[AuditEntry]:
    with unit_of_work(readonly=True) as s:
        return list(s.scalars(select(AuditEntry).where(AuditEntry.seq > seq).order_by(AuditEntry.seq)))


def chain_ok() -> bool:
    with unit_of_work(readonly=True) as s:
        return verify(s).ok


@contextmanager
def failing_commit(baseline: int) -> Iterator[list[int]]:
    """While open, any Session whose transaction holds an audit entry past `baseline` fails at its commit
    (before anything is written for good). Yields the heads it refused, so a test can tell it fired."""
    refused: list[int] = []

    def refuse(session: Session) -> None:
        head: Any = session.execute(text("SELECT max(seq) FROM audit_log")).scalar()
        if head is not None and int(head) > baseline:
            refused.append(int(head))
            raise InjectedFailure(f"commit refused by the test (audit head {head} > {baseline})")

    event.listen(Session, "before_commit", refuse)
    try:
        yield refused
    finally:
        event.remove(Session, "before_commit", refuse)
