"""Protocol rule sets as data: a small YAML format, checked against a published JSON Schema (`SCHEMA`, also
in docs/protocols-rules.md), and the default set. Each rule's parameters are given per threat level, so the
set tightens as the highest level along the route rises.

The default set is kept here as YAML text (not a file beside the module) so it ships with the package
without a change to its data files."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import jsonschema
import yaml

LEVELS = ("low", "elevated", "high", "critical")
_PER_LEVEL_INT = {
    "type": "object",
    "additionalProperties": False,
    "properties": {lvl: {"type": "integer", "minimum": 0} for lvl in LEVELS},
}
_LEVEL_LIST = {"type": "array", "items": {"enum": list(LEVELS)}, "uniqueItems": True}
_HHMM = {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"}

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://hifazat.example/schemas/protocol-rules.json",
    "title": "Movement protocol rule set",
    "type": "object",
    "additionalProperties": False,
    "required": ["name", "version", "effective_from", "rules"],
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "version": {"type": "integer", "minimum": 1},
        "effective_from": {"type": "string", "format": "date"},
        "rules": {
            "type": "array",
            "minItems": 1,
            "items": {
                "oneOf": [
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["rule", "hours"],
                        "properties": {"rule": {"const": "minimum_notice"}, "hours": _PER_LEVEL_INT},
                    },
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["rule", "from", "to", "levels"],
                        "properties": {
                            "rule": {"const": "no_movement_between"},
                            "from": _HHMM,
                            "to": _HHMM,
                            "levels": _LEVEL_LIST,
                        },
                    },
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["rule", "max_min"],
                        "properties": {"rule": {"const": "check_in_interval"}, "max_min": _PER_LEVEL_INT},
                    },
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["rule", "levels", "min_armour"],
                        "properties": {
                            "rule": {"const": "bullet_proof_vehicle"},
                            "levels": _LEVEL_LIST,
                            "min_armour": {"enum": ["B4", "B6", "B7"]},
                        },
                    },
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["rule", "min"],
                        "properties": {"rule": {"const": "min_escort_strength"}, "min": _PER_LEVEL_INT},
                    },
                ]
            },
        },
    },
}

DEFAULT_YAML = """\
name: default
version: 1
effective_from: "2026-01-01"
rules:
  - rule: minimum_notice          # hours between filing and departure
    hours: {low: 24, elevated: 48, high: 72, critical: 96}
  - rule: no_movement_between     # local time (Asia/Karachi, UTC+05:00)
    from: "18:00"
    to: "06:00"
    levels: [elevated, high, critical]
  - rule: check_in_interval       # the longest gap between check-ins, minutes
    max_min: {low: 120, elevated: 60, high: 30, critical: 15}
  - rule: bullet_proof_vehicle
    levels: [high, critical]
    min_armour: B6
  - rule: min_escort_strength     # escort personnel plus the strength of the escort units
    min: {low: 0, elevated: 2, high: 4, critical: 8}
"""


@dataclass(frozen=True)
class RuleSet:
    name: str
    version: int
    rules: tuple[dict[str, Any], ...]


def parse(text: str) -> RuleSet:
    """A rule set from YAML; ValueError naming the first place the text breaks the schema."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(f"not YAML: {exc}") from exc
    errors = sorted(jsonschema.Draft202012Validator(SCHEMA).iter_errors(data), key=lambda e: list(e.path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.path) or "(top)"
        raise ValueError(f"{where}: {first.message}")
    return RuleSet(str(data["name"]), int(data["version"]), tuple(data["rules"]))


@lru_cache(maxsize=1)
def default() -> RuleSet:
    return parse(DEFAULT_YAML)
