"""Tracking fixtures: a device factory, a fresh tracking cache and limiter per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hifazat.tracking import accept
from hifazat.tracking.cache import get_cache

KARACHI = (24.8607, 67.0011)


@pytest.fixture(autouse=True)
def _fresh_tracking_state() -> Iterator[None]:
    get_cache().clear()
    accept.failures.reset()
    accept.unknown.reset()
    yield
    get_cache().clear()


@pytest.fixture
def make_device(client: TestClient, admin: dict[str, str]) -> Callable[..., dict[str, Any]]:
    counter = iter(range(1, 10_000))

    def make(headers: dict[str, str] | None = None, **fields: Any) -> dict[str, Any]:
        body = {"identifier": f"dev-{next(counter)}", "kind": "phone", **fields}
        r = client.post("/api/v1/devices", headers=headers or admin, json=body)
        assert r.status_code == 201, r.text
        return dict(r.json())

    return make


def site_body(name: str, lat: float, lon: float, radius_m: float = 300.0, **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "kind": "project_site",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "radius_m": radius_m,
        "province": "PK-SD",
        **extra,
    }
