"""The forms of the record pages: each control's starting value and the options of reference fields (the
fields themselves come from the API's request models, web/forms.py)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from hifazat.auth.policy import Principal
from hifazat.web.forms import FormField, initial

if TYPE_CHECKING:  # record_pages imports this module; the protocol is only a type here
    from hifazat.auth.record_pages import RefSource


def options_of(session: Session, principal: Principal, refs: Mapping[str, RefSource], ref: str) -> list[Any]:
    source = refs.get(ref)
    return source.options(session, principal) if source is not None else []


def _minutes_utc(value: Any) -> str:
    """A datetime-local control's value (UTC, to the minute) from a datetime or its ISO text."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return str(value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M"))


def initial_for(f: FormField, data: dict[str, Any]) -> str:
    if f.widget in ("password",) or f.name in ("passport_number", "cnic"):
        return ""  # write-only: empty means keep
    value = data.get(f.name)
    if f.widget == "multi":
        chosen = set(value or ())
        return ", ".join(v for v, _ in f.choices if v in chosen)
    if f.widget == "datetime":
        return _minutes_utc(value) if value else ""
    return initial(value)


def form_context(
    session: Session,
    principal: Principal,
    refs: Mapping[str, RefSource],
    fields: list[FormField],
    data: dict[str, Any],
    mode: str,
) -> dict[str, Any]:
    opts: dict[str, list[tuple[str, str]]] = {}
    for f in fields:
        if f.ref:
            opts[f.name] = options_of(session, principal, refs, f.ref)
            current = data.get(f.name)
            if isinstance(current, str) and current and current not in {o[0] for o in opts[f.name]}:
                opts[f.name].insert(0, (current, current))
    return {
        "fields": fields,
        "initials": {f.name: initial_for(f, data) for f in fields},
        "options": opts,
        "values": data,
        "mode": mode,
    }
