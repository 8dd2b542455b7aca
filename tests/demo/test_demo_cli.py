"""`hifazat demo --load-only` in a real subprocess, on an empty data directory.

The subprocess runs the real Typer command; only argon2's cost parameters are lowered first (same
algorithm), as in the in-process tests, so sixteen password hashes do not dominate the suite's run time.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from hifazat.config import Settings
from hifazat.demo import scenario
from tests.demo.conftest import DEMO_PASSWORD

CHEAP_ARGON2_THEN_CLI = (
    "import sys\n"
    "from argon2 import PasswordHasher\n"
    "from hifazat.security import passwords\n"
    "passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)\n"
    "from hifazat.cli import app\n"
    "sys.argv[0] = 'hifazat'\n"
    "app()\n"
)


def test_demo_load_only_prints_the_logins(settings: Settings, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "HIFAZAT_ADMIN_PASSWORD"}
    env["HIFAZAT_DATA_DIR"] = str(tmp_path / "demo-var")
    cmd = [sys.executable, "-c", CHEAP_ARGON2_THEN_CLI, "demo", "--load-only", "--port", "8123"]
    run = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    out = run.stdout
    assert "Hifazat demo control room: http://127.0.0.1:8123/" in out
    assert DEMO_PASSWORD in out
    assert "  admin " in out
    for user in scenario.USERS:
        assert f"  {user.username} " in out
        assert user.what in out
    if settings.is_sqlite:
        assert (tmp_path / "demo-var" / "hifazat.db").exists()
        # The demo makes its own field key file unless the environment hands it a key.
        key_file = tmp_path / "demo-var" / "field.key"
        assert key_file.exists() == ("HIFAZAT_FIELD_KEY" not in env)
