"""The demo simulator creates its devices once and moves them through the real ingest path."""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import func, select

from hifazat.demo import simulator
from hifazat.demo.scenario import load
from hifazat.platform.db import unit_of_work
from hifazat.tracking.models import Device, DeviceLast, EscortAssignment, Position


def test_simulator_is_idempotent_and_moves_devices(initialised: Any) -> None:
    with unit_of_work() as s:
        load(s, password="demo-password-123")
    walkers = simulator.setup()
    again = simulator.setup()
    assert len(walkers) == len(again) >= 6
    with unit_of_work(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(Device)) == len(walkers)
        assert s.scalar(select(func.count()).select_from(EscortAssignment)) >= 3
    rng = random.Random(1)
    for _ in range(3):
        assert simulator.tick(walkers, rng, 30.0) == len(walkers)
    with unit_of_work(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(Position)) == 3 * len(walkers)
        lasts = s.scalars(select(DeviceLast).where(DeviceLast.lat.is_not(None))).all()
        assert len(lasts) == len(walkers)
        kkh = [d for d in lasts if d.lat and d.lat > 34.5]
        assert kkh, "a convoy moves on the Karakoram Highway"
