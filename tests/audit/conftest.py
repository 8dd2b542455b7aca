"""Shared foundation fixtures (see tests/auth/conftest.py), and what the audit-coverage test reads from the
database: every table's rows, the entries appended since a point, and a commit that fails on purpose."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from hifazat import bootstrap
from hifazat.config import reset_settings
from hifazat.core.db import Base
from hifazat.platform.audit.log import verify
from hifazat.platform.audit.models import AuditEntry
from hifazat.platform.db import get_engine, unit_of_work
from tests.auth.conftest import login_as
from tests.web.conftest import admin_web, make

__all__ = [
    "SMS_TOKEN",
    "InjectedFailure",
    "admin_web",
    "audit_head",
    "chain_ok",
    "entries_after",
    "failing_commit",
    "fill",
    "login_as",
    "make",
    "refused_commit_changes_nothing",
    "tables",
]
SMS_TOKEN = "audit-gateway-token"

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


def refused_commit_changes_nothing(send: Callable[[], Any], label: str) -> list[str]:
    """`send` a write with the commit of its audit entry refused: it must fail, and no table change."""
    rows, head = tables(), audit_head()
    with failing_commit(head) as refused:
        r = send()
    problems = []
    if r.status_code < 500 or not refused:
        problems.append(f"{label}: with its commit refused it answered {r.status_code} (refused: {refused})")
    changed = [name for name, now in tables().items() if now != rows[name]]
    if changed:
        problems.append(f"{label}: a refused commit still changed {changed}")
    if not chain_ok():
        problems.append(f"{label}: the audit chain no longer verifies after a refused commit")
    return problems


def fill(value: Any, state: dict[str, Any]) -> Any:
    """`value` with every string formatted with `state` (the ids a scenario made so far)."""
    if isinstance(value, str):
        return value.format(**state)
    if isinstance(value, dict):
        return {k: fill(v, state) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, state) for v in value]
    return value


@pytest.fixture
def audit_client(initialised: bootstrap.InitResult, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """The API without the background jobs (escalation timers, the notify worker, tracking's jobs), which
    append entries of their own at any moment; the front's jobs (outbox relay, live flusher) still run.
    The SMS webhook is on (its token set)."""
    from hifazat.app import create_app  # after `initialised`: the app reads the test's settings

    monkeypatch.setenv("HIFAZAT_SMS_WEBHOOK_TOKEN", SMS_TOKEN)
    reset_settings()
    with TestClient(create_app(role="front"), raise_server_exceptions=False) as c:
        yield c
