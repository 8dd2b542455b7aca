"""How registry records are named on other pages (audit entries, timelines): through the caller's view, so
a field an agreement redacts (a person's family name) never reaches a label."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hifazat.auth.labels import Labeler, scoped
from hifazat.auth.policy import View
from hifazat.registry.models import Person, Project, Site, Unit, Vehicle
from hifazat.registry.service import SPECS

# The label's fields, each shown only where the caller's view keeps it (summary fields, minus redactions).
_NAMING: dict[str, tuple[Any, tuple[str, ...]]] = {
    "persons": (Person, ("given_name", "family_name")),
    "projects": (Project, ("name",)),
    "sites": (Site, ("name",)),
    "units": (Unit, ("call_sign",)),
    "vehicles": (Vehicle, ("registration",)),
}


def _shown(kind: str, fields: tuple[str, ...]) -> Callable[[Any, View], str | None]:
    summary = SPECS[kind].summary

    def label(row: Any, view: View) -> str | None:
        parts = [
            str(getattr(row, f))
            for f in fields
            if getattr(row, f, None) and f not in view.redact and (view.level == "full" or f in summary)
        ]
        return " ".join(parts) or f"a {kind.rstrip('s')} (name withheld)"

    return label


def labelers() -> tuple[Labeler, ...]:
    return tuple(Labeler(k, scoped(m, k, _shown(k, f))) for k, (m, f) in _NAMING.items())
