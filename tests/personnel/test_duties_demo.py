"""The demo's roster: a week of duties at the Port Qasim plant, loaded once, and the refused attempt the
story needs (Imran Qureshi armed, his psychological evaluation lapsed): refused, nothing stored."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select

from hifazat.demo import duties as demo_duties
from hifazat.personnel.duty_models import Duty
from hifazat.personnel.models import Personnel
from hifazat.platform.db import unit_of_work
from tests.demo.conftest import load_demo

__all__ = ["load_demo"]


def _duties() -> list[tuple[str, bool]]:
    with unit_of_work(readonly=True) as s:
        rows = s.execute(
            select(Personnel.family_name, Duty.armed).join(Personnel, Personnel.id == Duty.personnel_id)
        )
        return [(name, armed) for name, armed in rows]


def test_a_week_at_port_qasim_once_and_the_refusal(load_demo: Callable[[], object]) -> None:
    load_demo()
    first = _duties()
    assert len(first) == 7 * len(demo_duties.SHIFTS)
    assert {n for n, armed in first if armed} == {"Siddiqui", "Baloch"}
    assert "Qureshi" not in {n for n, _ in first}  # the refused attempt stored nothing
    load_demo()
    assert _duties() == first
    with unit_of_work() as s:  # the attempt again, as the load makes it: refused for the lapsed check
        agencies = {"shield": s.scalar(select(Personnel.agency_id).where(Personnel.family_name == "Qureshi"))}
        site = s.scalar(select(Duty.site_id).limit(1))
        s.execute(Duty.__table__.delete())  # an empty site: the loader rosters it afresh
        assert demo_duties.load(s, agencies, {demo_duties.SITE: site}) == ["check_expired"]
        assert int(s.scalar(select(func.count()).select_from(Duty)) or 0) == 7 * len(demo_duties.SHIFTS)
        s.rollback()
