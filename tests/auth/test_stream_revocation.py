"""An open stream re-resolves its token every RECHECK_S: a revoked token's stream ends within a second."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from tests.auth.test_district_stream import Reader, _agency_with_user, _h, _token


def _closes_soon(reader: Reader) -> float:
    start = time.monotonic()
    reader.wait_for(lambda events: any(e.get("event") == "revoked" for e in events), limit_s=3.0)
    return time.monotonic() - start


@pytest.mark.parametrize("how", ["logout", "deactivate", "password", "delete"])
def test_revoking_the_token_closes_the_open_stream(live_server: str, initialised: Any, how: str) -> None:
    base = live_server
    admin = _token(base, "admin")
    username = _agency_with_user(
        base, admin, initialised.agency_id, f"Guard {how}", "private_security_company", [], "operator"
    )
    token = _token(base, username)
    reader = Reader(base, token)
    users = httpx.get(f"{base}/api/v1/users", headers=_h(admin), timeout=10).json()
    items = users["items"] if isinstance(users, dict) else users
    uid = next(u["id"] for u in items if u["username"] == username)
    if how == "logout":
        r = httpx.post(f"{base}/api/v1/auth/logout", headers=_h(token), timeout=10)
    elif how == "delete":
        r = httpx.delete(f"{base}/api/v1/users/{uid}", headers=_h(admin), timeout=10)
    else:
        body = {"active": False} if how == "deactivate" else {"password": "An0ther-long-passphrase!"}
        r = httpx.patch(f"{base}/api/v1/users/{uid}", headers=_h(admin), json=body, timeout=10)
    assert r.status_code in (200, 204), r.text
    assert _closes_soon(reader) < 1.5
