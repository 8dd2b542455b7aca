"""What the demo adds when asked (`HIFAZAT_DEMO_SIMULATE`): simulated devices moving through the scenario."""

from __future__ import annotations

from typing import Any

from hifazat.demo.simulator import simulator
from hifazat.platform.composition import Domain, Job


def _simulating(settings: Any) -> bool:
    return bool(settings.demo_simulate)


DOMAIN = Domain(name="demo", jobs=(Job(simulator, enabled=_simulating),))
