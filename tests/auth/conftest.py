"""Fixtures shared by the foundation's test packages (auth, audit, registry, security).

* cheap argon2 parameters (the same algorithm) so logins do not dominate the run time;
* on SQLite, each test's database starts as a copy of one migrated template instead of running every
  migration again (PostgreSQL is migrated once per session by tests/conftest.py already).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from hifazat import migrate
from hifazat.config import Settings
from hifazat.db import make_engine
from hifazat.security import passwords

PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def fast_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    if os.environ.get("HIFAZAT_TEST_DATABASE_URL"):
        return None
    path = tmp_path_factory.mktemp("template") / "hifazat.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()
    con = sqlite3.connect(path)
    try:  # leaving WAL mode checkpoints everything into the file: a self-contained copy source
        assert con.execute("PRAGMA journal_mode=DELETE").fetchone()[0] == "delete"
    finally:
        con.close()
    assert not Path(str(path) + "-wal").exists()
    return path


@pytest.fixture
def settings(settings: Settings, migrated_template: Path | None) -> Settings:
    if migrated_template is not None:
        target = settings.data_dir / "hifazat.db"
        assert not target.exists()
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(migrated_template, target)
    return settings


@pytest.fixture
def login_as(client: TestClient) -> Callable[..., dict[str, str]]:
    def _login(username: str, password: str = PASSWORD) -> dict[str, str]:
        r = client.post("/api/v1/auth/token", data={"username": username, "password": password})
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    return _login
