"""Request and response models of the tracking API (devices, zones, escort assignments)."""

from __future__ import annotations

import re
import secrets
import string
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from shapely.geometry import shape
from shapely.validation import explain_validity

from hifazat.core.validators import Name, ProvinceCode
from hifazat.tracking.models import DeviceKind, DeviceStatus, OwnerKind, ZoneKind

_IDENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:@/\-]{0,99}$")
MAX_RADIUS_M = 50_000.0
MAX_WIDTH_M = 20_000.0


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _identifier(v: str) -> str:
    if not _IDENT.match(v):
        raise ValueError(
            "must be 1-100 characters: letters, digits and . _ : @ / - (an IMEI, a phone id, a name)"
        )
    return v


_ALPHABET = string.ascii_letters + string.digits


def random_identifier() -> str:
    """24 letters and digits (~143 bits): an OsmAnd identifier is the device's only credential."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(24))


class DeviceIn(Strict):
    identifier: str = Field(
        default_factory=random_identifier,
        description="Unique id the device reports with (Traccar id, OwnTracks user); a random 24-character"
        " one when omitted (an owner may still enter the phone's own identifier)",
    )
    name: str = Field(default="", max_length=200)
    kind: DeviceKind
    owner_kind: OwnerKind | None = None
    owner_id: str | None = Field(default=None, max_length=36)
    agency_id: str | None = Field(default=None, max_length=36)
    status: DeviceStatus = DeviceStatus.active
    secret: str | None = Field(
        default=None,
        min_length=12,
        max_length=200,
        description="Password for OwnTracks (HTTP Basic); generated and returned once when omitted",
    )
    notes: str = Field(default="", max_length=5000)

    _ident = field_validator("identifier")(_identifier)

    @model_validator(mode="after")
    def _owner_pair(self) -> DeviceIn:
        if (self.owner_kind is None) != (self.owner_id is None):
            raise ValueError("owner_kind and owner_id go together: give both or neither")
        return self


class DevicePatch(Strict):
    identifier: str | None = None
    name: str | None = Field(default=None, max_length=200)
    kind: DeviceKind | None = None
    owner_kind: OwnerKind | None = None
    owner_id: str | None = Field(default=None, max_length=36)
    status: DeviceStatus | None = None
    notes: str | None = Field(default=None, max_length=5000)

    @field_validator("identifier")
    @classmethod
    def _ident(cls, v: str | None) -> str | None:
        return None if v is None else _identifier(v)


def _check_lonlat(pos: Any, where: str) -> list[float]:
    if not isinstance(pos, list | tuple) or len(pos) < 2:
        raise ValueError(f"{where} must be a [longitude, latitude] pair")
    lon, lat = pos[0], pos[1]
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lon, lat)):
        raise ValueError(f"{where} must hold numbers")
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValueError(f"{where} is out of range (longitude -180..180, latitude -90..90)")
    return [float(lon), float(lat)]


def validate_zone_geometry(
    geometry: dict[str, Any], radius_m: float | None, width_m: float | None
) -> tuple[dict[str, Any], float, float]:
    """Normalised geometry and its centre (lat, lon); ValueError naming what is wrong."""

    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if kind == "Point":
        lon, lat = _check_lonlat(geometry.get("coordinates"), "coordinates")
        if radius_m is None or not 0 < radius_m <= MAX_RADIUS_M:
            raise ValueError(f"a circle (Point) needs radius_m between 0 and {MAX_RADIUS_M:.0f} metres")
        return {"type": "Point", "coordinates": [lon, lat]}, lat, lon
    if kind == "LineString":
        coords = geometry.get("coordinates")
        if not isinstance(coords, list) or len(coords) < 2:
            raise ValueError("a corridor (LineString) needs at least 2 positions")
        pts = [_check_lonlat(p, f"position {i}") for i, p in enumerate(coords)]
        if width_m is None or not 0 < width_m <= MAX_WIDTH_M:
            raise ValueError(f"a corridor (LineString) needs width_m between 0 and {MAX_WIDTH_M:.0f} metres")
        mid = pts[len(pts) // 2]
        return {"type": "LineString", "coordinates": pts}, mid[1], mid[0]
    if kind == "Polygon":
        rings = geometry.get("coordinates")
        if not isinstance(rings, list) or not rings:
            raise ValueError("Polygon coordinates must be a list of linear rings")
        clean = []
        for i, ring in enumerate(rings):
            if not isinstance(ring, list) or len(ring) < 4:
                raise ValueError(f"ring {i} needs at least 4 positions (closed)")
            pts = [_check_lonlat(p, f"ring {i} position {j}") for j, p in enumerate(ring)]
            if pts[0] != pts[-1]:
                raise ValueError(f"ring {i} is not closed: its first and last positions differ")
            clean.append(pts)
        poly = shape({"type": "Polygon", "coordinates": clean})
        if not poly.is_valid:
            raise ValueError(f"Polygon is invalid: {explain_validity(poly)}")
        c = poly.centroid
        return {"type": "Polygon", "coordinates": clean}, float(c.y), float(c.x)
    raise ValueError(
        "geometry.type must be Polygon, Point (with radius_m: a circle) "
        "or LineString (with width_m: a corridor)"
    )


class ZoneIn(Strict):
    name: Name
    kind: ZoneKind
    # Before the geometry, so that its check sees them and a bad shape is answered at `geometry`.
    radius_m: float | None = Field(default=None, gt=0, le=MAX_RADIUS_M)
    width_m: float | None = Field(default=None, gt=0, le=MAX_WIDTH_M)
    geometry: dict[str, Any]
    province: ProvinceCode | None = None
    active: bool = True
    description: str = Field(default="", max_length=5000)
    agency_id: str | None = Field(default=None, max_length=36)

    @field_validator("geometry")
    @classmethod
    def _shape(cls, geometry: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        kind, shape_type = info.data.get("kind"), geometry.get("type")
        if kind == ZoneKind.corridor and shape_type != "LineString":
            raise ValueError("a corridor zone needs a LineString geometry with width_m")
        if kind != ZoneKind.corridor and shape_type == "LineString":
            raise ValueError("a LineString geometry is only for kind=corridor")
        clean, _, _ = validate_zone_geometry(geometry, info.data.get("radius_m"), info.data.get("width_m"))
        return clean


class ZonePatch(Strict):
    name: Name | None = None
    geometry: dict[str, Any] | None = None
    radius_m: float | None = Field(default=None, gt=0, le=MAX_RADIUS_M)
    width_m: float | None = Field(default=None, gt=0, le=MAX_WIDTH_M)
    province: ProvinceCode | None = None
    active: bool | None = None
    description: str | None = Field(default=None, max_length=5000)


class EscortIn(Strict):
    person_id: str = Field(max_length=36)
    unit_id: str = Field(max_length=36)
    max_distance_m: float | None = Field(default=None, gt=0, le=100_000)
    active: bool = True
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    note: str = Field(default="", max_length=2000)
    agency_id: str | None = Field(default=None, max_length=36)

    @model_validator(mode="after")
    def _window(self) -> EscortIn:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class EscortPatch(Strict):
    max_distance_m: float | None = Field(default=None, gt=0, le=100_000)
    active: bool | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    note: str | None = Field(default=None, max_length=2000)
