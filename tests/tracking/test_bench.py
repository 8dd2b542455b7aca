"""bench/tracking.py --quick runs and ends with one JSON object carrying the agreed keys."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.one_pass  # the bench makes its own databases, whatever the suite's backend
def test_bench_quick_prints_json_last() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIFAZAT_")}
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "tracking.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    last = json.loads(out.stdout.strip().splitlines()[-1])
    for key in (
        "ingest_sqlite_positions_per_s",
        "ingest_postgres_positions_per_s",
        "geofence_speedup_vs_naive",
        "osmand_requests_per_s",
    ):
        assert key in last
    assert last["ingest_sqlite_positions_per_s"] > 0
    assert last["geofence_speedup_vs_naive"] > 1
    assert last["cpu_reference_ms"] > 0  # the machine's speed, to compare runs by
