"""Demo movement: workers commuting under escort in Karachi, a convoy on the Karakoram Highway.

Started by `hifazat demo` (HIFAZAT_DEMO_SIMULATE=true) as a background task. It creates its demo devices,
escort assignments and a KKH corridor once (idempotently, through the audited services) and then feeds
positions every few seconds through the same ingest path as real devices (`writer.ingest_now`), so zone,
escort and battery events, alerts and the live map all behave as they would with real phones.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import random
import time
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from hifazat.auth.policy import system_actor
from hifazat.core.errors import log_failure
from hifazat.platform.db import unit_of_work
from hifazat.registry.models import Person, Site, Unit
from hifazat.tracking import schemas, service
from hifazat.tracking.ingest import Fix
from hifazat.tracking.models import Device, EscortAssignment, Zone
from hifazat.tracking.writer import ingest_now

log = logging.getLogger("hifazat.demo.simulator")
TICK_S = 3.0
# Besham -> Dasu along the Karakoram Highway (approximate road line, lon/lat)
KKH = [
    (72.8650, 34.9240),
    (72.9050, 34.9650),
    (72.9500, 35.0150),
    (73.0000, 35.0700),
    (73.0500, 35.1200),
    (73.1100, 35.1750),
    (73.1700, 35.2300),
    (73.2400, 35.2750),
    (73.2920, 35.2905),
]
M_PER_DEG = 111_000.0
# Mean simulated time between one escort's lapses (12 h: at the demo's 10x, about one per escort per 72 min).
ESCORT_LAPSE_EVERY_S = 12 * 3600.0


@dataclass
class Walker:
    """A device following a polyline back and forth at `speed` metres per (simulated) second."""

    device_id: str
    path: list[tuple[float, float]]
    speed: float
    pos: float = 0.0  # metres along the path
    direction: int = 1
    dwell: float = 0.0
    battery: float = 100.0
    follow: Walker | None = None  # an escort trails its protected person
    offset_m: float = 40.0
    behind_s: float = 0.0  # simulated seconds this escort still trails far behind
    lengths: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lengths = [
            math.hypot((b[0] - a[0]) * math.cos(math.radians(a[1])), b[1] - a[1]) * M_PER_DEG
            for a, b in zip(self.path, self.path[1:], strict=False)
        ]

    @property
    def total(self) -> float:
        return sum(self.lengths) or 1.0

    def step(self, dt: float, rng: random.Random) -> tuple[float, float]:
        if self.follow is None:
            if self.dwell > 0:
                self.dwell -= dt
            else:
                self.pos += self.direction * self.speed * dt * rng.uniform(0.7, 1.2)
                if self.pos >= self.total or self.pos <= 0:
                    self.pos = min(max(self.pos, 0.0), self.total)
                    self.direction *= -1
                    self.dwell = rng.uniform(20, 60)  # at work / at home
            lon, lat = self._at(self.pos)
        else:
            lon, lat = self.follow._at(self.follow.pos)
            # Rarely, an escort falls behind for a few minutes: one "unaccompanied" alert now and then, as a
            # real fleet would give, not one per tick that buries the inbox.
            if self.behind_s > 0:
                self.behind_s = max(0.0, self.behind_s - dt)
            elif rng.random() < 1 - math.exp(-dt / ESCORT_LAPSE_EVERY_S):
                self.behind_s = rng.uniform(90, 240)
            lat += (900.0 if self.behind_s > 0 else self.offset_m) / M_PER_DEG
        self.battery = 100.0 if self.dwell > 0 and self.pos <= 0 else max(5.0, self.battery - 0.05)
        jitter = 8 / M_PER_DEG
        return lat + rng.uniform(-jitter, jitter), lon + rng.uniform(-jitter, jitter)

    def _at(self, s: float) -> tuple[float, float]:
        for (a, b), seg in zip(zip(self.path, self.path[1:], strict=False), self.lengths, strict=False):
            if s <= seg or seg == 0:
                f = 0.0 if seg == 0 else s / seg
                return a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f
            s -= seg
        return self.path[-1]


def _device(session: object, ident: str, kind: str, owner_kind: str, owner_id: str, agency_id: str) -> str:

    assert isinstance(session, Session)
    found = session.scalar(select(Device.id).where(Device.identifier == ident))
    if found:
        return str(found)
    dev, _ = service.create_device(
        session,
        data=schemas.DeviceIn(identifier=ident, kind=kind, owner_kind=owner_kind, owner_id=owner_id),
        principal=system_actor("demo", agency_id),
    )
    return dev.id


def setup() -> list[Walker]:
    """Create (once) the demo devices, escorts and the KKH corridor; return the walkers."""
    walkers: list[Walker] = []
    with unit_of_work() as s:
        sites = {x.id: x for x in s.scalars(select(Site).where(Site.deleted_at.is_(None)))}
        units = list(s.scalars(select(Unit).where(Unit.deleted_at.is_(None)).order_by(Unit.call_sign)))
        persons = list(s.scalars(select(Person).where(Person.deleted_at.is_(None)).order_by(Person.id)))
        work = {x.project_id: x for x in sites.values() if x.kind == "project_site" and x.project_id}
        for province, count in (("PK-SD", 6), ("PK-KP", 3)):
            escorts = [
                u
                for u in units
                if u.province == province and u.kind in ("escort", "police_protection", "army_security")
            ]
            chosen = [
                p
                for p in persons
                if p.province == province and p.residence_site_id in sites and p.project_id in work
            ][:count]
            for i, p in enumerate(chosen):
                home, job = sites[p.residence_site_id], work[p.project_id]  # type: ignore[index]
                if province == "PK-KP":
                    path = (
                        KKH
                        if i == 0
                        else [(home.center_lon, home.center_lat), (job.center_lon, job.center_lat)]
                    )
                else:
                    mid = (
                        (home.center_lon + job.center_lon) / 2 + 0.01,
                        (home.center_lat + job.center_lat) / 2,
                    )
                    path = [(home.center_lon, home.center_lat), mid, (job.center_lon, job.center_lat)]
                pid = _device(s, f"demo-phone-{p.id[-8:]}", "phone", "person", p.id, p.agency_id)
                person = Walker(
                    pid, path, speed=14.0 if province == "PK-SD" else 11.0, pos=random.uniform(0, 500)
                )
                walkers.append(person)
                if not escorts:
                    continue
                unit = escorts[i % len(escorts)]
                uid = _device(
                    s, f"demo-escort-{unit.id[-8:]}-{i}", "vehicle_unit", "unit", unit.id, unit.agency_id
                )
                walkers.append(Walker(uid, path, speed=0, follow=person))
                has = s.scalar(
                    select(EscortAssignment.id).where(
                        EscortAssignment.person_id == p.id,
                        EscortAssignment.unit_id == unit.id,
                        EscortAssignment.deleted_at.is_(None),
                    )
                )
                if not has:
                    service.create_escort(
                        s,
                        data=schemas.EscortIn(
                            person_id=p.id,
                            unit_id=unit.id,
                            max_distance_m=500,
                            note="demo escort",
                            agency_id=unit.agency_id,
                        ),
                        principal=system_actor("demo"),
                    )
        if units and not s.scalar(select(Zone.id).where(Zone.name == "KKH Besham-Dasu convoy corridor")):
            service.create_zone(
                s,
                data=schemas.ZoneIn(
                    name="KKH Besham-Dasu convoy corridor",
                    kind="corridor",
                    geometry={"type": "LineString", "coordinates": [list(p) for p in KKH]},
                    width_m=800,
                    province="PK-KP",
                    agency_id=units[0].agency_id,
                    description="Approved convoy route; leaving it raises zone_exit.",
                ),
                principal=system_actor("demo"),
            )
    return walkers


def tick(walkers: list[Walker], rng: random.Random, dt: float) -> int:
    now_ms = int(time.time() * 1000)
    fixes = []
    for w in walkers:
        lat, lon = w.step(dt, rng)
        fixes.append(
            Fix(
                device_id=w.device_id,
                t_ms=now_ms,
                lat=lat,
                lon=lon,
                source="demo",
                speed_kmh=round(w.speed * 3.6, 1) if w.follow is None else None,
                battery=round(w.battery, 1),
            )
        )
    if fixes:
        ingest_now(fixes)
    return len(fixes)


async def simulator(stop: asyncio.Event) -> None:
    """Background starter (only when HIFAZAT_DEMO_SIMULATE is true)."""
    rng = random.Random(7)
    try:
        walkers = await asyncio.to_thread(setup)
    except Exception:
        log.exception("demo simulator could not set up its devices")
        return
    log.info("demo simulator running", extra={"devices": len(walkers)})
    speedup = 10.0  # simulated seconds per real second: a commute takes minutes, not an hour
    while not stop.is_set():
        try:
            await asyncio.to_thread(tick, walkers, rng, TICK_S * speedup)
        except Exception as exc:
            log_failure(log, "demo tick failed", exc)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=TICK_S)
