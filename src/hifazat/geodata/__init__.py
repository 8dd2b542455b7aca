"""The boundary and base-map data the project ships (package data; read, never fetched).

The lowest layer: it imports nothing of hifazat, so both `core` (place from coordinates) and `web` (the map's
offline base layers, served under /static/geo/) read the same files. How each file is made, its source,
licence and accuracy: docs/geodata.md.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

DIR = Path(__file__).resolve().parent / "data"  # only data: the folder is served as it is
OUTLINE = "pakistan.geojson"  # the country and its provinces (scripts/pakistan_outline.py)
DISTRICTS = "districts.geojson"  # districts (scripts/geodata_build.py), also the cities and roads below
CITIES = "cities.geojson"
ROADS = "roads.geojson"
FILES = (OUTLINE, DISTRICTS, CITIES, ROADS)


@cache
def load(name: str) -> dict[str, Any]:
    """One shipped GeoJSON file, parsed once per process."""
    if name not in FILES:
        raise KeyError(name)
    data: dict[str, Any] = json.loads((DIR / name).read_text(encoding="utf-8"))
    return data
