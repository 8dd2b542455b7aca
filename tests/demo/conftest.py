"""Demo fixtures: load the scenario as `hifazat demo` does."""

from __future__ import annotations

from collections.abc import Callable

import pytest

DEMO_PASSWORD = "hifazat-demo"


@pytest.fixture
def load_demo(initialised: object) -> Callable[[], list[tuple[str, str]]]:
    """Load the scenario in its own unit of work, as `hifazat demo` does."""
    from hifazat.demo.scenario import load
    from hifazat.platform.db import unit_of_work

    def _load() -> list[tuple[str, str]]:
        with unit_of_work() as session:
            return load(session, password=DEMO_PASSWORD)

    return _load
