"""`policy.readable_where` (the SQL) says exactly what `view_of` + `reveals` (Python) say, row by row.

Over the demo scenario and every demo login, plus agreements that tie (two full grants hiding different
fields, from overlapping grantors): the rows a search may match on a field are the rows whose answer shows
that field in full, no more (an oracle) and no fewer (a search that misses what the caller can read).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from hifazat.auth.models import Agency, SharingAgreement, User
from hifazat.auth.policy import build_principal, readable_where, reveals, scope, view_of
from hifazat.platform.db import unit_of_work
from hifazat.registry.service import SPECS

Loader = Callable[[], list[tuple[str, str]]]


def _tie_agreements() -> None:
    """Two full grants of equal rank to the embassy, each hiding another field: the first one wins."""
    with unit_of_work() as s:
        ids = {a.short_name: a.id for a in s.scalars(select(Agency))}
        for redact in (["phone"], ["nationality"]):
            s.add(
                SharingAgreement(
                    name=f"tie {redact[0]}",
                    grantor_id=ids["SRPIC"],
                    grantee_id=ids["CN Embassy SLO"],
                    entity_kinds=["persons", "sites", "units"],
                    filters={},
                    level="full",
                    redact_fields=redact,
                )
            )


@pytest.mark.parametrize("ties", [False, True])
def test_sql_and_python_agree_on_every_row(load_demo: Loader, ties: bool) -> None:
    load_demo()
    if ties:
        _tie_agreements()
    with unit_of_work(readonly=True) as s:
        users = list(s.scalars(select(User).where(User.deleted_at.is_(None))))
        for user in users:
            p = build_principal(
                s, user_id=user.id, username=user.username, agency_id=user.agency_id, roles=user.roles
            )
            for kind, spec in SPECS.items():
                rows = list(s.scalars(select(spec.model).where(spec.model.deleted_at.is_(None))))
                views = {r.id: view_of(r, kind, p) for r in rows}
                owners = {r.id: r.agency_id for r in rows}
                extra = ("passport_number",) if kind == "persons" else ()
                for field in {*spec.search, *spec.filters, *extra}:
                    stmt = select(spec.model.id).where(
                        scope(spec.model, kind, p), readable_where(spec.model, kind, p, field)
                    )
                    by_sql = set(s.scalars(stmt.where(spec.model.deleted_at.is_(None))))
                    by_python = {
                        rid
                        for rid, v in views.items()
                        if v is not None and reveals(p, kind, v, field, owners[rid])
                    }
                    assert by_sql == by_python, (user.username, kind, field)
