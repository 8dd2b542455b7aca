"""What intel adds so far: nothing served or scheduled. The extraction engine (`hifazat.intel.extract`)
is pure and runs from the CLI (`hifazat intel extract`, declared in cli.py like every command); the
intake API, review queue, risk grid and sharing of issue 22 will declare themselves here."""

from __future__ import annotations

from hifazat.platform.composition import Domain

DOMAIN = Domain(name="intel")
