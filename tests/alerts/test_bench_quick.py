"""`bench/alerts.py --quick` runs end to end and ends with one JSON object carrying the agreed keys."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "alerts.py"
KEYS = ("sos_to_stream_p50_ms", "sos_to_stream_p99_ms", "cross_worker_p99_ms", "empty_roundtrip_p99_ms")


@pytest.mark.slow
@pytest.mark.one_pass  # the bench makes its own databases, whatever the suite's backend
def test_bench_quick_prints_json_last() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIFAZAT_")}
    out = subprocess.run(
        [sys.executable, str(BENCH), "--quick"],
        capture_output=True,
        text=True,
        timeout=280,
        env=env,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    last = out.stdout.strip().splitlines()[-1]
    data = json.loads(last)
    for key in KEYS:
        assert key in data, key
    for key in ("sos_to_stream_p50_ms", "sos_to_stream_p99_ms", "empty_roundtrip_p99_ms", "cpu_reference_ms"):
        assert isinstance(data[key], float)
        assert math.isfinite(data[key])
        assert data[key] > 0
    assert data["sos_lost"] == 0
    assert data["sos_count"] == 30
    assert "SOS -> stream" in out.stdout
