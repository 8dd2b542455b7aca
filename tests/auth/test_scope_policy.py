"""The policy decides from a record's scope alone: no session, no site row, any object that says its scope."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlalchemy.dialects import sqlite

from hifazat.auth.policy import Grant, Principal, View, in_jurisdiction, scope, view_in, view_of
from hifazat.core.scope import Scope, ScopeColumns
from hifazat.notify.models import Delivery
from hifazat.registry.models import Person, Project, Vehicle
from hifazat.tracking.models import Device, Zone

KS = Scope("owner", "PK-SD", "Karachi South")


def _p(*jurisdiction: str, grants: tuple[Grant, ...] = ()) -> Principal:
    return Principal(
        user_id="u",
        username="u",
        agency_id="viewer",
        roles=frozenset({"operator"}),
        tree=frozenset({"viewer"}),
        jurisdiction=jurisdiction,
        grants=grants,
    )


@dataclass(frozen=True)
class Plain:
    """Not a database row: an event, say. It has a scope and nothing else the policy could look at."""

    scope: Scope
    nationality: str | None = None


@pytest.mark.parametrize(
    ("jurisdiction", "where", "seen"),
    [
        ("PK", Scope("o", "PK-BA"), True),
        ("PK-SD", KS, True),
        ("PK-SD", Scope("o", "PK-PB"), False),
        ("PK-SD:Karachi South", KS, True),
        ("PK-SD: karachi SOUTH ", KS, True),  # districts compare trimmed, without case
        ("PK-SD:Karachi South", Scope("o", "PK-SD", "Hyderabad"), False),
        ("PK-SD:Karachi South", Scope("o", "PK-SD"), False),  # no district: only a province entry matches
        ("PK-SD:Karachi South", Scope("o", "PK-PB", "Karachi South"), False),  # the district of its province
        ("PK-SD", Scope("o", None, "Karachi South"), False),  # no province: outside every jurisdiction
    ],
)
def test_jurisdiction_from_the_scope(jurisdiction: str, where: Scope, seen: bool) -> None:
    assert in_jurisdiction(where, (jurisdiction,)) is seen
    assert (view_in(where, "alerts", _p(jurisdiction)) is not None) is seen


def test_any_scoped_object_is_judged_without_a_session() -> None:
    """The live bug: a plain object built from an event had no site to look up, so it never matched."""
    who = _p("PK-SD:Karachi South")
    assert view_of(Plain(KS), "devices", who) == View("full")
    assert view_of(Plain(Scope("owner", "PK-SD", "Hyderabad")), "devices", who) is None
    # the owner's own tree: full and writable, whatever the place
    mine = view_of(Plain(Scope("viewer")), "devices", who)
    assert mine is not None
    assert mine.writable


def test_agreement_filters_read_scope_parts_from_the_scope_and_other_fields_by_name() -> None:
    by_district = Grant(
        "g1",
        frozenset({"owner"}),
        frozenset({"alerts"}),
        {"district": "Karachi South"},
        "summary",
        frozenset(),
    )
    by_nationality = Grant(
        "g2", frozenset({"owner"}), frozenset({"alerts"}), {"nationality": ["CN"]}, "full", frozenset({"lat"})
    )
    assert view_in(KS, "alerts", _p(grants=(by_district,))) == View("summary")
    assert view_in(Scope("owner", "PK-SD", "Hyderabad"), "alerts", _p(grants=(by_district,))) is None
    who = _p(grants=(by_nationality,))
    assert view_of(Plain(KS, nationality="CN"), "alerts", who) == View("full", frozenset({"lat"}))
    assert view_of(Plain(KS, nationality="GB"), "alerts", who) is None
    assert view_in(KS, "alerts", who) is None  # no field given: a filter on one matches nothing
    assert view_in(KS, "alerts", who, {"nationality": "CN"}.get) is not None
    assert view_in(KS, "persons", who) is None  # not a kind the agreement covers


def test_models_declare_their_scope_columns() -> None:
    assert Person.scope_column("district") is Person.district
    assert Device.scope_column("district") is Device.district
    assert Project.scope_column("district") is None
    assert Zone.scope_column("district") is None
    assert Vehicle.scope_column("province") is None
    assert Delivery.__scope_columns__ == ScopeColumns("ref_agency_id", "ref_province", "ref_district")
    d = Delivery(ref_agency_id="owner", ref_province="PK-SD", ref_district="Karachi South", agency_id="x")
    assert d.scope == KS
    assert Device(agency_id="owner", province="PK-SD", district="Karachi South").scope == KS


def _sql(model: type, who: Principal) -> str:
    stmt = select(model.id).where(scope(model, model.__tablename__, who))  # type: ignore[attr-defined]
    return str(stmt.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))


def test_sql_scope_uses_the_declared_district_column() -> None:
    who = _p("PK-SD:Karachi South")
    assert "lower(trim(devices.district)) = 'karachi south'" in _sql(Device, who)
    assert "sites" not in _sql(Person, who)  # the district is the row's own column, no site subquery
    # a model without a district column: a district entry matches none of its rows
    assert _sql(Zone, who).endswith("WHERE zones.agency_id IN ('viewer')")
    # without jurisdiction, only the own tree
    assert "province" not in _sql(Device, _p())
