"""Form fields derived from the API's own Pydantic request models, so the pages never restate the rules.

Validation stays on the server: forms post JSON to the API and show its problem+json `errors[]` next to
the named field.
"""

from __future__ import annotations

import enum
import re
import types
import typing
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from hifazat.core.validators import PROVINCES

# Reference fields: which kind of record their options come from.
REF_KINDS: dict[str, str] = {
    "project_id": "projects",
    "residence_site_id": "sites",
    "base_site_id": "sites",
    "unit_id": "units",
    "employer_agency_id": "agencies",
    "agency_id": "owner",  # the agencies the caller may register records for
    "parent_id": "agencies",
    "person_id": "persons",
    "grantor_id": "owner",  # only an agency the caller administers may share its records
    "grantee_id": "agencies",
}
# The shapes the geometry widget draws (draw.js); a zone's form adds a corridor ("line", with its width).
SHAPES = (("polygon", "Polygon: click the corners"), ("circle", "Circle: click the centre, radius (m)"))
LINE = ("line", "Corridor: click along the route, width (m)")
TEXTAREAS = frozenset({"notes", "description"})
LABELS = {
    "agency_id": "Owning agency",
    "parent_id": "Parent agency",
    "employer_agency_id": "Employer",
    "residence_site_id": "Residence site",
    "base_site_id": "Base site",
    "radius_m": "Radius (m)",
    "cpec": "CPEC project",
    "cctv": "CCTV",
    "sponsor_country": "Sponsor country",
    "contact_email": "Contact e-mail",
    "email": "E-mail",
    "cnic": "CNIC",
}
_ALTERNATIVES = re.compile(r"^\^\(([\w|]+)\)\$$")


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    widget: str  # text textarea number checkbox select multi list password email datetime geometry
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    ref: str | None = None
    step: str = "any"
    help: str = ""


def _unwrap(annotation: Any) -> Any:
    """Strip Optional/Annotated wrappers down to the base type."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return _unwrap(args[0])
    return annotation


def _pattern_choices(info: FieldInfo) -> tuple[tuple[str, str], ...]:
    for meta in info.metadata:
        pattern = getattr(meta, "pattern", None)
        if isinstance(pattern, str):
            m = _ALTERNATIVES.match(pattern)
            if m:
                return tuple((v, v.replace("_", " ")) for v in m.group(1).split("|"))
    return ()


def _enum_choices(cls: type[enum.Enum]) -> tuple[tuple[str, str], ...]:
    return tuple((str(m.value), str(m.value).replace("_", " ")) for m in cls)


def _by_name(name: str, label: str, required: bool) -> FormField | None:
    """Fields whose control follows from their name alone."""
    if name == "geometry":
        return FormField(name, "Shape", "geometry", required, choices=SHAPES)
    if name in REF_KINDS:
        return FormField(name, label, "select", required, ref=REF_KINDS[name])
    if name == "password":
        return FormField(name, label, "password", required)
    if name == "secret":  # a webhook's signing secret: write-only, like a password
        return FormField(name, label, "password", required, help="empty: one is generated and shown once")
    if name == "passport_number":
        return FormField(
            name, label, "text", required, help="stored encrypted; masked for roles that do not need it"
        )
    return None


_NUMBER_STEPS: dict[Any, str] = {int: "1", float: "any"}


def _by_type(name: str, label: str, required: bool, base: Any) -> FormField | None:
    """Fields whose control follows from their annotation (None: no such rule, or not a form field)."""
    if base is bool:
        return FormField(name, label, "checkbox", required)
    if base is datetime:
        return FormField(name, label, "datetime", required, help="UTC")
    if base in _NUMBER_STEPS:
        return FormField(name, label, "number", required, step=_NUMBER_STEPS[base])
    if isinstance(base, type) and issubclass(base, enum.Enum):
        return FormField(name, label, "select", required, choices=_enum_choices(base))
    if typing.get_origin(base) is list:
        (item,) = typing.get_args(base) or (str,)
        item = _unwrap(item)
        if isinstance(item, type) and issubclass(item, enum.Enum):
            return FormField(name, label, "multi", required, choices=_enum_choices(item))
        return FormField(name, label, "list", required, help="separate several with commas")
    return None


def field_for(name: str, info: FieldInfo) -> FormField | None:
    label = LABELS.get(name) or name.removesuffix("_id").replace("_", " ").capitalize()
    required = info.is_required()
    if name in ("radius_m", "width_m"):
        return None  # part of the geometry widget
    base = _unwrap(info.annotation)
    found = _by_name(name, label, required) or _by_type(name, label, required, base)
    if found is not None:
        return found
    if typing.get_origin(base) is dict or base is dict:
        return None  # structured values (e.g. sharing filters) are edited through the API
    choices = _pattern_choices(info)
    if choices:
        return FormField(name, label, "select", required, choices=choices)
    if "email" in name:
        return FormField(name, label, "email", required)
    if name == "province":
        return FormField(name, label, "select", required, choices=tuple(PROVINCES.items()))
    return FormField(name, label, "textarea" if name in TEXTAREAS else "text", required)


def fields_for(model: type[BaseModel], skip: frozenset[str] = frozenset()) -> list[FormField]:
    out = []
    for name, info in model.model_fields.items():
        if name in skip:
            continue
        f = field_for(name, info)
        if f is not None:
            out.append(f)
    return out


def initial(value: Any) -> str:
    """The string a form control starts with (JS compares against it to send only changes)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
