"""Place is derived, not typed (18.6): where a record lies decides who sees it by jurisdiction, so a typed
province or district must not move it out of the police's sight (or into another province's inbox).

With a position (a site's or zone's centre), the province and district are the shipped boundary data's
(`core/places.py`); a typed province that disagrees is refused, naming the field, and a typed district
must be one of that province's. With nothing to place it by
(a project, a shape outside every province), a typed province is taken only inside the caller's
jurisdiction or for a record its own agency tree owns, the rule alerts follow for their own people
(`alerts/raising.py`).
"""

from __future__ import annotations

from collections.abc import Iterable

from hifazat.auth.policy import Principal, in_jurisdiction
from hifazat.core.errors import invalid
from hifazat.core.places import districts_of, place_of
from hifazat.core.scope import Scope


def _same(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


def from_position(
    lat: float | None,
    lon: float | None,
    *,
    province: str | None,
    district: str | None,
    what: str,
) -> tuple[str, str | None] | None:
    """The (province, district) a position lies in, checked against the typed ones (422 naming the field
    that disagrees); None when there is no position or it lies outside every province."""
    found = place_of(lat, lon) if lat is not None and lon is not None else None
    if found is None:
        return None
    derived_province, derived_district = found
    if province is not None and province != derived_province:
        raise invalid("province", f"{what} lies in {derived_province}, not {province}")
    if district is None or derived_district is None:
        return derived_province, derived_district
    if _same(district, derived_district):
        return derived_province, derived_district
    # The shipped district cells are approximate (docs/geodata.md): near an edge the caller may know
    # better, so another district of the same province is taken; one outside it is refused.
    named = next((d for d in districts_of(derived_province) if _same(d, district)), None)
    if named is None:
        raise invalid("district", f"{what} lies in {derived_province}, which has no district {district}")
    return derived_province, named


def may_place(principal: Principal, province: str, owner: str | None) -> bool:
    """Whether a typed province with nothing to check it against is taken: inside the caller's
    jurisdiction, or on a record the caller's agency tree owns."""
    if principal.system or in_jurisdiction(Scope(None, province, None), principal.jurisdiction):
        return True
    return owner is not None and owner in principal.tree


def typed(principal: Principal, province: str | None, owner: str | None, *, hint: str) -> str | None:
    """A typed province with nothing to derive it from, if the caller may place the record there."""
    if province is not None and not may_place(principal, province, owner):
        raise invalid(
            "province",
            f"{province} is outside your jurisdiction and the record is not your agency's: {hint}",
        )
    return province


def among(province: str | None, provinces: Iterable[str | None], *, what: str) -> str | None:
    """A typed province that must be one of the provinces the record's parts lie in (a project's sites);
    nothing to check against when there are none."""
    known = sorted({p for p in provinces if p})
    if province is not None and known and province not in known:
        raise invalid("province", f"{what} lie in {', '.join(known)}, not {province}")
    return province
