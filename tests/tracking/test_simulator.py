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


def test_escorts_lapse_rarely_and_for_minutes_not_every_tick() -> None:
    """An hour of demo time (1,200 ticks of 30 simulated seconds) gives each escort about one lapse, each
    lasting several ticks: the inbox gets an "unaccompanied" alert now and then, not one per tick."""
    path = [(67.00, 24.85), (67.05, 24.90)]
    leader = simulator.Walker("p", path, speed=1.5)
    escorts = [simulator.Walker(f"e{i}", path, speed=0.0, follow=leader) for i in range(8)]
    rng = random.Random(3)
    episodes = [0] * len(escorts)
    lengths: list[int] = []
    running = [0] * len(escorts)
    for _ in range(1200):
        leader.step(30.0, rng)
        for i, e in enumerate(escorts):
            lat, _lon = e.step(30.0, rng)
            behind = (lat - leader._at(leader.pos)[1]) * simulator.M_PER_DEG > 500
            if behind and running[i] == 0:
                episodes[i] += 1
            if behind:
                running[i] += 1
            elif running[i]:
                lengths.append(running[i])
                running[i] = 0
    assert 1 <= sum(episodes) <= 3 * len(escorts), episodes
    assert max(episodes) <= 4, episodes
    assert lengths
    assert min(lengths) >= 3, lengths
