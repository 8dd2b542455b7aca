"""The labelled reports (data/labelled/train.yaml, heldout.yaml) and per-field accuracy against them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DIR = Path(__file__).resolve().parents[1] / "data" / "labelled"
SPLITS = ("train", "heldout")
# lat/lon follow the location; the figures are scored on the fields a person labels.
SCORED = (
    "event_date",
    "location",
    "admin1",
    "killed",
    "injured",
    "victim_nationalities",
    "attack_type",
    "perpetrator",
)


@dataclass(frozen=True, slots=True)
class Report:
    id: str
    text: str
    expected: dict[str, Any]


def load(split: str) -> list[Report]:
    import yaml  # only for the labelled data, not for extraction

    rows = yaml.safe_load((DIR / f"{split}.yaml").read_text(encoding="utf-8"))
    return [Report(r["id"], r["text"], r["expected"]) for r in rows]


def accuracy(reports: list[Report], extract: Callable[[str], dict[str, Any]]) -> dict[str, float]:
    """The share of reports each field is exactly right on (a null expected is right only as null)."""
    right = dict.fromkeys(SCORED, 0)
    for r in reports:
        got = extract(r.text)
        for k in SCORED:
            right[k] += got.get(k) == r.expected[k]
    return {k: right[k] / len(reports) for k in SCORED}
