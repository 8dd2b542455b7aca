"""Where an incident lies (coordinates first, then the site, as alerts are placed) and how its casualties
are counted (injured and killed per nationality, whatever the role)."""

from __future__ import annotations

from typing import Any

from hifazat.incidents.models import Involved
from hifazat.incidents.service import casualties
from hifazat.incidents.writing import place_for
from hifazat.registry.models import Site


def _site(province: str | None, district: str | None) -> Any:
    return Site(name="s", kind="office", agency_id="a", province=province, district=district)


def test_coordinates_win_and_the_site_fills_in() -> None:
    karachi = place_for(24.8607, 67.0011, None)
    assert karachi[0] == "PK-SD"
    assert karachi[1]
    lahore_site = _site("PK-PB", "Lahore")
    assert place_for(24.8607, 67.0011, lahore_site) == karachi  # the position is where it happened
    assert place_for(None, None, lahore_site) == ("PK-PB", "Lahore")
    assert place_for(None, None, None) == (None, None)
    assert place_for(48.85, 2.35, None) == (None, None)  # outside every province: no place
    assert place_for(48.85, 2.35, lahore_site) == ("PK-PB", "Lahore")


def test_casualties_per_nationality() -> None:
    people = [
        Involved(role="victim", nationality="CN", outcome="injured"),
        Involved(role="victim", nationality="CN", outcome="killed"),
        Involved(role="responder", nationality="PK", outcome="injured"),
        Involved(role="perpetrator", nationality="PK", outcome="killed"),
        Involved(role="witness", nationality="GB", outcome="unharmed"),
    ]
    assert casualties(people) == {"CN": {"injured": 1, "killed": 1}, "PK": {"injured": 1, "killed": 1}}
    assert casualties([]) == {}
