"""What a caller may see of a position: rounded coordinates for the coarse roles."""

from __future__ import annotations

from hifazat.auth.policy import Principal
from hifazat.config import get_settings


def coarse_for(principal: Principal) -> int | None:
    """Decimal places positions are rounded to for this caller, or None for exact positions."""
    if principal.system:
        return None
    s = get_settings()
    coarse = set(s.tracking_coarse_roles)
    if principal.roles and principal.roles <= coarse:
        return s.tracking_coarse_decimals
    return None


def coarsen(value: float | None, decimals: int | None) -> float | None:
    if value is None or decimals is None:
        return value
    return round(value, decimals)
