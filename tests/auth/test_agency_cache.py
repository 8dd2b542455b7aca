"""Principals are built from cached agency facts; any agency or agreement change clears the cache at commit
(and tells the other workers through the outbox)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from hifazat.auth import cache
from hifazat.bootstrap import InitResult
from hifazat.platform.db import unit_of_work
from hifazat.platform.outbox import OutboxEvent


def test_new_sub_agency_is_in_the_tree_at_once(
    client: TestClient, admin: dict[str, str], initialised: InitResult
) -> None:
    with unit_of_work(readonly=True) as s:
        before = cache.facts(s, initialised.agency_id)
    r = client.post(
        "/api/v1/agencies",
        headers=admin,
        json={"name": "Sindh Police", "kind": "provincial_police", "parent_id": initialised.agency_id},
    )
    assert r.status_code == 201, r.text
    child = r.json()["id"]
    assert child not in before.tree
    with unit_of_work(readonly=True) as s:
        assert child in cache.facts(s, initialised.agency_id).tree
        assert cache.facts(s, child).chain == (child, initialised.agency_id)
        subjects = s.scalars(select(OutboxEvent.subject)).all()
    assert cache.SUBJECT in subjects  # other workers clear theirs when it reaches them


def test_a_rolled_back_change_keeps_the_cache(initialised: InitResult) -> None:
    from hifazat.auth.models import Agency

    with unit_of_work(readonly=True) as s:
        first = cache.facts(s, initialised.agency_id)
    try:
        with unit_of_work() as s:
            s.add(Agency(name="Never", kind="other", parent_id=initialised.agency_id, jurisdiction=[]))
            s.flush()
            raise RuntimeError("abort")
    except RuntimeError:
        pass
    with unit_of_work(readonly=True) as s:
        assert cache.facts(s, initialised.agency_id) is first
