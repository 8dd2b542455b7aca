"""Demo fixtures: cheap argon2 parameters (same algorithm) so 17 users do not dominate the run time."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from argon2 import PasswordHasher

from hifazat.security import passwords

DEMO_PASSWORD = "hifazat-demo"


@pytest.fixture(autouse=True)
def fast_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def load_demo(initialised: object) -> Callable[[], list[tuple[str, str]]]:
    """Load the scenario in its own unit of work, as `hifazat demo` does."""
    from hifazat.db import unit_of_work
    from hifazat.demo.scenario import load

    def _load() -> list[tuple[str, str]]:
        with unit_of_work() as session:
            return load(session, password=DEMO_PASSWORD)

    return _load
