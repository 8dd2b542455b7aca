"""`hifazat demo --load-only` in a real subprocess, on an empty data directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.demo.conftest import DEMO_PASSWORD

from hifazat.config import Settings
from hifazat.demo import scenario


def test_demo_load_only_prints_the_logins(settings: Settings, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "HIFAZAT_ADMIN_PASSWORD"}
    env["HIFAZAT_DATA_DIR"] = str(tmp_path / "demo-var")
    cmd = [sys.executable, "-m", "hifazat.cli", "demo", "--load-only", "--port", "8123"]
    run = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "http://127.0.0.1:8123/" in out
    assert DEMO_PASSWORD in out
    for user in scenario.USERS:
        assert f"  {user.username} " in out and user.what in out
    if settings.is_sqlite:
        assert (tmp_path / "demo-var" / "hifazat.db").exists()
