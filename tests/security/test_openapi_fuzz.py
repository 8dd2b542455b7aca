"""Schemathesis over the whole OpenAPI document, as the ministry's admin on the demo scenario: whatever a
client sends, the answer is never a server error. Deterministic (derandomised, fixed seed) and bounded: a
few examples per operation, so the run stays near a minute on each backend.

Allowed 5xx: `POST /api/v1/sms/inbound` answers 503 problem+json while no SMS gateway is configured."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings

from tests.security import specimens
from tests.security.conftest import DemoWorld

EXAMPLES = 20
# Revoking the token the run authenticates with would turn every later operation into a 401; the live
# stream never ends by itself (tests/auth/test_stream_revocation.py and test_district_stream.py cover it).
SKIP = {("POST", "/api/v1/auth/logout"), ("GET", "/api/v1/stream")}
# (method, path) -> the 5xx it answers by design.
DESIGNED = {("POST", "/api/v1/sms/inbound"): 503}


def _operations() -> list[Any]:
    """The operations of the app's own OpenAPI document, read without starting the app (its lifespan
    would run the background jobs against whatever database the environment names)."""
    from hifazat.app import create_app
    from hifazat.config import Settings

    schema = schemathesis.openapi.from_dict(create_app(Settings()).openapi())
    ops = [result.ok() for result in schema.get_all_operations()]
    return [op for op in ops if (op.method.upper(), op.path) not in SKIP]


OPERATIONS = _operations()


# Path segment -> the specimen group whose ids it takes.
SEGMENTS = {"sharing-agreements": "agreements", "escalation-policies": "escalation_policies"}


@pytest.fixture(scope="module")
def real_ids(demo_world: DemoWorld) -> dict[str, str]:
    """One existing record per collection (`/api/v1/<segment>/{id}`), so that each operation on a record
    is also fuzzed past its 404."""
    found = specimens.from_demo()
    every = {**found, **specimens.make(demo_world.client, demo_world.headers, found)}
    out: dict[str, str] = {}
    for (group, _key), value in sorted(every.items()):
        out.setdefault(group, value)
    return {seg: out[SEGMENTS.get(seg, seg)] for seg in _segments() if SEGMENTS.get(seg, seg) in out}


def _segments() -> set[str]:
    return {op.path.split("/")[3] for op in OPERATIONS if op.path.startswith("/api/v1/") and "{" in op.path}


def _with_real_id(case: Any, real_ids: dict[str, str]) -> dict[str, Any] | None:
    """The case's path parameters with the first one naming an existing record, if there is one."""
    parts = case.path.split("/")
    if len(parts) < 5 or not parts[4].startswith("{") or parts[3] not in real_ids:
        return None
    return {**(case.path_parameters or {}), parts[4].strip("{}"): real_ids[parts[3]]}


@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda op: f"{op.method.upper()} {op.path}")
def test_no_server_error(demo_world: DemoWorld, real_ids: dict[str, str], operation: Any) -> None:
    headers = demo_world.headers["admin"]
    key = (operation.method.upper(), operation.path)

    @seed(18_12)
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def check(case: Any) -> None:
        send(case, case.formatted_path)
        real = _with_real_id(case, real_ids)
        if real is not None:
            send(case, case.path.format(**real))

    def send(case: Any, path: str) -> None:
        response = demo_world.client.request(
            case.method,
            path,
            headers={**(case.headers or {}), **_content_type(case), **headers},
            params=case.query,
            cookies=case.cookies,
            **_body(case),
        )
        if response.status_code >= 500:
            assert DESIGNED.get(key) == response.status_code, (
                f"{case.method} {path} query={case.query} body={case.body!r} "
                f"-> {response.status_code}: {response.text[:500]}"
            )
            assert response.headers["content-type"].startswith("application/problem+json")

    check()


def _body(case: Any) -> dict[str, Any]:
    """The case's body in the form the TestClient sends it in, by its media type."""
    from schemathesis.core import NOT_SET

    if case.body is NOT_SET:
        return {}
    media = case.media_type or "application/json"
    if media == "application/json":
        return {"json": case.body}
    if media == "application/x-www-form-urlencoded":
        return {"data": case.body}
    if media.startswith("multipart/"):
        return {"files": case.body}
    return {"content": case.body if isinstance(case.body, bytes | str) else str(case.body)}


def _content_type(case: Any) -> dict[str, str]:
    media = case.media_type or "application/json"
    known = ("application/json", "application/x-www-form-urlencoded")
    return {} if media in known or media.startswith("multipart/") else {"content-type": media}


def test_poll_area_with_an_empty_site_id_names_the_field(demo_world: DemoWorld) -> None:
    """Found by the run above: `{"area": {"site_id": ""}}` was a 500 (an empty id taken for no site)."""
    r = demo_world.client.post(
        "/api/v1/polls", headers=demo_world.headers["admin"], json={"area": {"site_id": ""}}
    )
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["field"] == "area.site_id"
