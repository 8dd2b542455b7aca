"""Where sites and projects lie (18.6): derived from their geometry or their sites, never just typed.

A site's province and district come from its centre (`auth/placing.py`); a project's typed province
must be one its sites lie in, and without sites is taken as `placing.typed` allows.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hifazat.auth import placing
from hifazat.auth.policy import Principal
from hifazat.core.errors import invalid
from hifazat.registry.models import Project, Site

_PLACE = ("province", "district")


def place_site(values: dict[str, Any], row: Site | None, principal: Principal, owner: str) -> None:
    """Set the site's province and district from its centre (after `_site_prepare` computed it)."""
    moved = "center_lat" in values
    if row is not None and not moved and not set(_PLACE) & set(values):
        return
    lat = values["center_lat"] if moved else (row.center_lat if row else None)
    lon = values["center_lon"] if moved else (row.center_lon if row else None)
    typed_province, typed_district = values.get("province"), values.get("district")
    found = placing.from_position(
        lat, lon, province=typed_province, district=typed_district, what="the site's geometry"
    )
    if found is not None:
        values["province"], values["district"] = found
        return
    # A shape outside every province (abroad, offshore): the typed place stands, as far as allowed.
    province = typed_province or (row.province if row else None)
    if province is None:
        raise invalid("province", "is required: the geometry lies outside every province")
    values["province"] = placing.typed(principal, province, owner, hint="draw the geometry where the site is")


def place_project(
    session: Session, values: dict[str, Any], row: Project | None, principal: Principal, owner: str
) -> None:
    """A typed province must be one of the project's sites' provinces; with no sites yet, `typed`."""
    province = values.get("province")
    if province is None:
        return
    sites = (
        session.scalars(
            select(Site.province).where(Site.project_id == row.id, Site.deleted_at.is_(None))
        ).all()
        if row is not None
        else []
    )
    if sites:
        placing.among(province, sites, what="the project's sites")
    else:
        placing.typed(principal, province, owner, hint="register its sites first")
