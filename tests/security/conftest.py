"""Shared foundation fixtures (see tests/auth/conftest.py), and the demo world the standing security suite
runs against: one app and one loaded demo scenario per module, since the matrix and the schema fuzzing
make thousands of requests and must not rebuild the database for each."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from hifazat import bootstrap
from hifazat.platform.db import dispose_engines, unit_of_work
from hifazat.security import passwords
from tests.auth.conftest import login_as
from tests.conftest import ADMIN_PASSWORD, configure_settings, initialise, login
from tests.demo.conftest import DEMO_PASSWORD, load_demo

__all__ = ["DemoWorld", "demo_world", "load_demo", "login_as"]


@dataclass
class DemoWorld:
    """The demo scenario behind one running app, with a bearer token for every demo login."""

    client: TestClient
    init: bootstrap.InitResult
    usernames: tuple[str, ...]
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    def login(self, username: str) -> dict[str, str]:
        password = ADMIN_PASSWORD if username == "admin" else DEMO_PASSWORD
        return login(self.client, username, password)


@pytest.fixture(scope="module")
def demo_world(
    tmp_path_factory: pytest.TempPathFactory, migrated_template: Path | None
) -> Iterator[DemoWorld]:
    from hifazat.app import create_app
    from hifazat.demo.scenario import load

    with pytest.MonkeyPatch.context() as mp:
        # The function-scoped fast_argon2 fixture does not reach a module fixture: the same cheap hasher.
        mp.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        settings = configure_settings(tmp_path_factory.mktemp("demo"), mp)
        init = initialise(settings, migrated_template)
        with unit_of_work() as session:
            logins = load(session, password=DEMO_PASSWORD)
        names = ("admin", *(u for u, _ in logins))
        with TestClient(create_app(), raise_server_exceptions=False) as client:
            world = DemoWorld(client, init, names)
            world.headers = {u: world.login(u) for u in names}
            yield world
        dispose_engines()
