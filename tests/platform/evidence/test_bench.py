"""bench/evidence.py --quick runs and ends with one JSON object carrying the agreed keys."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.slow
def test_bench_quick_prints_json_last() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIFAZAT_")}
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "evidence.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    last = json.loads(out.stdout.strip().splitlines()[-1])
    assert last["evidence_mb_per_s"] > 0
    assert last["evidence_upload_mb_per_s"] >= last["evidence_mb_per_s"]
    assert last["baseline_copy_hash_mb_per_s"] > 0
    assert last["cpu_reference_ms"] > 0  # the machine's speed, to compare runs by
