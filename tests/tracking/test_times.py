"""Numbers that cannot be times are a clean 422 naming the field, never a 500 (issue 18, deliverable 7)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from hifazat.tracking.batch_parse import NOT_A_TIME, _time
from tests.tracking.test_ingest import stored


def test_huge_times_are_422_not_500(client: TestClient, admin: dict[str, str], make_device: Any) -> None:
    d = make_device()
    for at in (1e20, -1e20, 10**20, -(10**20), 2**63, 1e300):
        r = client.post(
            "/api/v1/positions",
            headers=admin,
            json=[{"device": d["identifier"], "lat": 24, "lon": 67, "at": at}],
        )
        assert r.status_code == 422, (at, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["errors"] == [{"field": "[0].at", "reason": NOT_A_TIME}]
    assert stored(d["id"]) == 0


@given(st.one_of(st.integers(), st.floats(allow_nan=True, allow_infinity=True)))
def test_any_number_decodes_to_a_time_or_a_clean_error(v: int | float) -> None:
    try:
        t = _time(v)
    except ValueError as exc:
        reason = str(exc)
    else:
        assert isinstance(t, int)
        assert -(2**63) < t < 2**63
        return
    assert reason
