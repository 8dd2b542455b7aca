"""The protocol rule format: the default set parses; a set that breaks the schema is refused naming where."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from hifazat.movements import protocol


def test_the_default_set_parses() -> None:
    rules = protocol.default()
    assert rules.name == "default"
    assert {r["rule"] for r in rules.rules} == {
        "minimum_notice",
        "no_movement_between",
        "check_in_interval",
        "bullet_proof_vehicle",
        "min_escort_strength",
    }


def _with(rule: dict[str, Any]) -> str:
    return yaml.safe_dump({"name": "x", "version": 1, "effective_from": "2026-01-01", "rules": [rule]})


@pytest.mark.parametrize(
    "rule",
    [
        {"rule": "minimum_notice", "hours": {"severe": 3}},
        {"rule": "minimum_notice", "hours": {"low": -1}},
        {"rule": "no_movement_between", "from": "25:00", "to": "06:00", "levels": ["high"]},
        {"rule": "bullet_proof_vehicle", "levels": ["high"], "min_armour": "B9"},
        {"rule": "teleport"},
        {"rule": "min_escort_strength", "min": {"low": 1}, "extra": True},
    ],
)
def test_a_rule_that_breaks_the_schema_is_refused(rule: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="rules/0"):
        protocol.parse(_with(rule))


def test_not_yaml_and_missing_keys_are_refused() -> None:
    with pytest.raises(ValueError, match="not YAML"):
        protocol.parse("rules: [unclosed")
    with pytest.raises(ValueError, match="rules"):
        protocol.parse("name: x\nversion: 1\neffective_from: '2026-01-01'\n")


@given(
    st.recursive(
        st.none() | st.integers() | st.text(max_size=8),
        lambda c: st.lists(c) | st.dictionaries(st.text(max_size=8), c),
        max_leaves=12,
    )
)
def test_any_document_parses_or_is_refused_with_a_reason(doc: Any) -> None:
    outcome: protocol.RuleSet | ValueError
    try:
        outcome = protocol.parse(yaml.safe_dump(doc))
    except ValueError as exc:
        outcome = exc
    if isinstance(outcome, ValueError):
        assert str(outcome)  # refused with a reason, never another exception
    else:
        assert outcome.rules  # only a schema-valid set gets here
