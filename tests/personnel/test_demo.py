"""The demo's security companies: their licences and guards load once (a second load writes nothing),
and the clearance rule tells the seed's story: the Karachi guard with a lapsed psychological evaluation
is refused armed duty, a fully vetted colleague is cleared, Sentinel's suspended Punjab licence and an
over-age guard are refused for those reasons."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from hifazat.auth.policy import SYSTEM
from hifazat.demo.data_personnel import LICENCES, PERSONNEL
from hifazat.personnel import checks
from hifazat.personnel.models import Check, Licence, Personnel
from hifazat.platform.audit.models import AuditEntry
from hifazat.platform.db import unit_of_work
from tests.demo.conftest import load_demo

__all__ = ["load_demo"]


def _counts() -> tuple[int, ...]:
    with unit_of_work(readonly=True) as s:
        return tuple(
            int(s.scalar(select(func.count()).select_from(m)) or 0)
            for m in (Licence, Personnel, Check, AuditEntry)
        )


def _codes(family: str) -> set[str]:
    now = datetime.now(UTC)
    with unit_of_work(readonly=True) as s:
        pid = s.scalar(select(Personnel.id).where(Personnel.family_name == family))
        assert pid is not None, family
        body = checks.clearance(s, pid, now, now + timedelta(hours=8), SYSTEM)
        return {(r["code"], r.get("kind") or r.get("licence_kind") or "") for r in body["reasons"]}


def test_demo_personnel_load_once_and_tell_the_story(load_demo: Callable[[], object]) -> None:
    load_demo()
    first = _counts()
    assert first[:2] == (len(LICENCES), len(PERSONNEL))
    load_demo()
    assert _counts() == first
    assert _codes("Qureshi") == {("check_expired", "psychological_evaluation")}
    assert _codes("Siddiqui") == set()
    assert ("licence_invalid", "provincial") in _codes("Butt")
    assert {c for c, _ in _codes("Rasool")} == {"age_limit"}
    assert {c for c, _ in _codes("Ahmed")} >= {"not_armed", "check_missing"}
