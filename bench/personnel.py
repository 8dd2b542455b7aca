"""Benchmark: the roster's hard rule at the issue's scale (issue 20, "Speed").

With --people personnel (default 10,000), seven checks each (70,000) and --duties future duties (default
100,000), bulk-inserted into a fresh SQLite file:
  1. `compliance_job_s`: one run of the daily compliance job (personnel/compliance.recheck): every future
     duty judged, the ones gone bad marked and their supervisors told. Baseline beside it, measured in the
     same process: the naive job, each duty judged by the create path's per-duty queries (its checks, its
     company's licences, its neighbours) over a sample, scaled to all duties.
  2. `duty_create_p99_ms`: POST-equivalent creates through personnel/duties.create (the full rule: checks,
     licences, overlap and rest), one flush each. Baseline beside it: the same audited insert, no rule.

Prints its figures, then as the LAST line one JSON object. `--quick` is a small run for the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from reference import cpu_reference_ms, describe  # bench/ is on the path: run as a script

VETTING = (
    "police_verification",
    "background_check",
    "biometric_verification",
    "physical_fitness",
    "psychological_evaluation",
    "weapons_training",
    "refresher_training",
)


def pct(values: list[float], p: float) -> float:
    xs = sorted(values)
    return xs[min(len(xs) - 1, max(0, round(p / 100 * (len(xs) - 1))))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--people", type=int, default=10_000)
    ap.add_argument("--duties", type=int, default=100_000)
    ap.add_argument("--creates", type=int, default=500)
    ap.add_argument("--naive-sample", type=int, default=2_000)
    ap.add_argument("--quick", action="store_true")
    a = ap.parse_args()
    if a.quick:
        a.people, a.duties, a.creates, a.naive_sample = 200, 2_000, 50, 200
    ref = cpu_reference_ms()
    print(describe(ref))
    tmp = Path(tempfile.mkdtemp(prefix="hifazat-bench-personnel-"))
    os.environ["HIFAZAT_DATABASE_URL"] = f"sqlite:///{tmp / 'bench.db'}"
    out = run(a)
    out["cpu_reference_ms"] = round(ref, 1)
    print(json.dumps(out))


def run(a: argparse.Namespace) -> dict[str, object]:
    from sqlalchemy import create_engine, insert
    from sqlalchemy.orm import Session

    from hifazat import models
    from hifazat.auth.models import Agency
    from hifazat.auth.policy import system_actor
    from hifazat.config import get_settings
    from hifazat.core.db import new_id
    from hifazat.core.errors import Problem
    from hifazat.personnel import compliance, duties
    from hifazat.personnel.duty_models import Duty
    from hifazat.personnel.duty_schemas import DutyIn
    from hifazat.personnel.models import Check, Licence, Personnel
    from hifazat.platform.audit.writes import audited_create
    from hifazat.registry.models import Site

    settings = get_settings()
    engine = create_engine(settings.effective_database_url)
    models.Base.metadata.create_all(engine)
    rnd = random.Random(20)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    today = date.today()
    t0 = time.perf_counter()
    with Session(engine) as s:
        agency = Agency(name="Bench Guards", kind="private_security_company")
        s.add(agency)
        s.flush()
        site = Site(
            name="Bench site",
            kind="project_site",
            geometry={"type": "Point", "coordinates": [67.3, 24.8]},
            center_lat=24.8,
            center_lon=67.3,
            province="PK-SD",
            agency_id=agency.id,
        )
        s.add(site)
        s.flush()
        for kind in ("noc", "provincial"):
            s.add(
                Licence(
                    agency_id=agency.id,
                    kind=kind,
                    number=f"BENCH-{kind}",
                    province="PK-SD" if kind == "provincial" else None,
                    issued_on=today - timedelta(days=400),
                    expires_on=today + timedelta(days=900),
                )
            )
        pids = [new_id() for _ in range(a.people)]
        s.execute(
            insert(Personnel),
            [
                {
                    "id": pid,
                    "agency_id": agency.id,
                    "given_name": "G",
                    "family_name": f"P{i}",
                    "role": "guard",
                    "cnic_enc": "x",
                    "cnic_index": f"{i:064d}",
                    "cnic_last": "1",
                    "date_of_birth": date(1985, 1, 1),
                    "armed": True,
                    "status": "active",
                    "province": "PK-SD",
                    "notes": "",
                }
                for i, pid in enumerate(pids)
            ],
        )
        # One person in fifty has a physical fitness that lapses within the roster: their duties go bad.
        rows = []
        for i, pid in enumerate(pids):
            for kind in VETTING:
                lapse = kind == "physical_fitness" and i % 50 == 0
                rows.append(
                    {
                        "id": new_id(),
                        "personnel_id": pid,
                        "agency_id": agency.id,
                        "kind": kind,
                        "result": "pass",
                        "done_on": today - timedelta(days=30),
                        "expires_on": today + timedelta(days=5 if lapse else 300),
                        "notes": "",
                    }
                )
        s.execute(insert(Check), rows)
        per = max(1, a.duties // a.people)
        s.execute(
            insert(Duty),
            [
                {
                    "id": new_id(),
                    "agency_id": agency.id,
                    "personnel_id": pid,
                    "kind": "site_post",
                    "site_id": site.id,
                    "armed": k % 2 == 0,
                    "starts_at": now + timedelta(days=1 + k * 2, hours=8),
                    "ends_at": now + timedelta(days=1 + k * 2, hours=16),
                    "status": "scheduled",
                    "at_risk": False,
                    "risk_reasons": [],
                    "province": "PK-SD",
                }
                for pid in pids
                for k in range(per)
            ],
        )
        s.commit()
        site_id, agency_id, n_duties = site.id, agency.id, per * a.people
    seeded = time.perf_counter() - t0
    print(f"seeded {a.people} personnel, {a.people * 7} checks, {n_duties} duties in {seeded:.1f} s")

    with Session(engine) as s:
        t = time.perf_counter()
        bad = compliance.recheck(s, now, settings)
        job_s = time.perf_counter() - t
        s.rollback()
    with Session(engine) as s:  # the naive job: each duty judged by its own queries, over a sample
        sample = s.query(Duty).limit(a.naive_sample).all()
        t = time.perf_counter()
        for d in sample:
            person = s.get(Personnel, d.personnel_id)
            assert person is not None
            duties.judge(s, person, d.kind, d.armed, d.starts_at, d.ends_at, skip=d.id)
        naive_s = (time.perf_counter() - t) / len(sample) * n_duties
    print(f"compliance job: {job_s:.2f} s for {n_duties} duties ({len(bad)} newly at risk); target <= 2 s")
    print(f"naive per-duty job (scaled from {len(sample)}): {naive_s:.2f} s; ratio {naive_s / job_s:.1f}x")

    actor = system_actor("bench", agency_id=None)
    refused = 0
    create_ms: list[float] = []
    bare_ms: list[float] = []
    with Session(engine) as s:
        far = now + timedelta(days=2 * per + 10)
        for i in range(a.creates):
            start = far + timedelta(days=i // a.people * 2, hours=8)
            body = DutyIn(
                personnel_id=pids[rnd.randrange(a.people) if i >= a.people else i],
                kind="site_post",
                site_id=site_id,
                armed=True,
                starts_at=start,
                ends_at=start + timedelta(hours=8),
            )
            t = time.perf_counter()
            try:
                duties.create(s, body, actor)
            except Problem:  # a refusal (a lapsed person) is judged as fully as an acceptance
                refused += 1
            create_ms.append((time.perf_counter() - t) * 1000)
            row = Duty(
                agency_id=agency_id,
                personnel_id=body.personnel_id,
                kind="site_post",
                site_id=site_id,
                armed=True,
                starts_at=start + timedelta(days=400),
                ends_at=start + timedelta(days=400, hours=8),
                status="scheduled",
                at_risk=False,
                risk_reasons=[],
            )
            t = time.perf_counter()
            audited_create(s, row, kind=duties.KIND, principal=actor, subject="")
            bare_ms.append((time.perf_counter() - t) * 1000)
        s.rollback()
    p99, bare = pct(create_ms, 99), pct(bare_ms, 99)
    p50 = pct(create_ms, 50)
    print(f"duty create, full rule ({refused} refused): p50 {p50:.2f} ms, p99 {p99:.2f} ms; target <= 20 ms")
    print(f"bare audited insert (no rule): p99 {bare:.2f} ms; ratio {p99 / bare:.1f}x")
    return {
        "personnel": a.people,
        "checks": a.people * 7,
        "duties": n_duties,
        "compliance_job_s": round(job_s, 3),
        "compliance_newly_at_risk": len(bad),
        "naive_compliance_job_s": round(naive_s, 3),
        "duty_create_p99_ms": round(p99, 3),
        "duty_create_p50_ms": round(p50, 3),
        "duty_creates_refused": refused,
        "bare_insert_p99_ms": round(bare, 3),
    }


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    main()
