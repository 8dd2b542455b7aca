"""`bench/personnel.py --quick` runs end to end and ends with one JSON object carrying the agreed keys."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "personnel.py"
KEYS = ("compliance_job_s", "duty_create_p99_ms", "naive_compliance_job_s", "bare_insert_p99_ms")


@pytest.mark.slow
@pytest.mark.one_pass  # the bench makes its own database, whatever the suite's backend
def test_bench_quick_prints_json_last() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIFAZAT_")}
    env["PYTHONPATH"] = str(BENCH.parents[1] / "src")
    out = subprocess.run(
        [sys.executable, str(BENCH), "--quick"],
        capture_output=True,
        text=True,
        timeout=280,
        env=env,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    data = json.loads(out.stdout.strip().splitlines()[-1])
    for key in (*KEYS, "cpu_reference_ms"):
        assert isinstance(data[key], float), key
        assert math.isfinite(data[key])
        assert data[key] > 0
    assert data["duties"] == 2000
    assert data["compliance_newly_at_risk"] > 0  # the lapsing fitness checks are found
