"""`bench/intel_accuracy.py --quick` runs end to end and ends with one JSON object carrying its keys."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "intel_accuracy.py"


@pytest.mark.one_pass  # no database: the same on either backend
def test_bench_quick_prints_json_last() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIFAZAT_")}
    env["PYTHONPATH"] = str(BENCH.parents[1] / "src")
    out = subprocess.run(
        [sys.executable, str(BENCH), "--quick"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    data = json.loads(out.stdout.strip().splitlines()[-1])
    assert data["extract_reports_per_s"] > 0
    assert data["naive_reports_per_s"] > 0
    assert data["cpu_reference_ms"] > 0
    assert data["reports"]["heldout"] >= 15
    for split in ("train_accuracy", "heldout_accuracy"):
        assert set(data[split]) == {
            "event_date",
            "location",
            "admin1",
            "killed",
            "injured",
            "victim_nationalities",
            "attack_type",
            "perpetrator",
        }
        assert all(0.0 <= v <= 1.0 for v in data[split].values())
