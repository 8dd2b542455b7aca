"""A record's scope: the agency that owns it and where it lies. The one thing the policy judges a row by.

Every row the policy judges and every event the live stream filters carries a `Scope` (the `Scoped`
protocol). A model declares which of its columns hold the scope (`ScopedColumns.__scope_columns__`), so
the SQL side builds its WHERE clauses from named columns and the Python side reads them, neither guessing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

# The scope's parts as they are named on the wire (event payloads) and, by default, as columns.
PARTS = ("agency_id", "province", "district")


@dataclass(frozen=True, slots=True)
class Scope:
    """Owning agency, province ("PK-SD") and district ("Karachi South"); None where a record has none."""

    agency_id: str | None
    province: str | None = None
    district: str | None = None

    def part(self, name: str) -> str | None:
        """One part by its wire name (a sharing agreement may filter on it)."""
        if name == "agency_id":
            return self.agency_id
        if name == "province":
            return self.province
        return self.district if name == "district" else None

    def on_wire(self, payload: dict[str, Any]) -> dict[str, Any]:
        """`payload` with the scope under its wire names (in place: keys already there keep their place)."""
        payload["agency_id"] = self.agency_id
        payload["province"] = self.province
        payload["district"] = self.district
        return payload

    @classmethod
    def of_payload(cls, payload: Mapping[str, Any]) -> Scope:
        """The scope an event's payload carries under its wire names."""
        return cls(payload.get("agency_id"), payload.get("province"), payload.get("district"))


class Scoped(Protocol):
    """Anything the policy can judge: it says its own scope."""

    @property
    def scope(self) -> Scope: ...


@dataclass(frozen=True, slots=True)
class ScopeColumns:
    """Which columns of a model hold its scope; None where the model has no such column."""

    agency_id: str | None = "agency_id"
    province: str | None = "province"
    district: str | None = "district"


NO_PLACE = ScopeColumns(province=None, district=None)  # owned, but not located (vehicles, rules)
PROVINCE_ONLY = ScopeColumns(district=None)  # located by province alone (projects, zones)


class ScopedColumns:
    """Mixin for a model whose rows the policy judges; `__scope_columns__` names the columns."""

    __scope_columns__: ClassVar[ScopeColumns] = ScopeColumns()

    @property
    def scope(self) -> Scope:
        c = self.__scope_columns__
        return Scope(
            getattr(self, c.agency_id) if c.agency_id else None,
            getattr(self, c.province) if c.province else None,
            getattr(self, c.district) if c.district else None,
        )

    @classmethod
    def scope_column(cls, part: str) -> Any:
        """The mapped column holding one part of the scope (for WHERE clauses), or None."""
        name = getattr(cls.__scope_columns__, part)
        return getattr(cls, name) if name else None
