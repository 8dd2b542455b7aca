"""Benchmark: the offline extraction engine (issue 22 item 2) on the labelled reports.

  1. per-field accuracy on the training part and on the held-out part (never tuned on; target >= 90%
     on every field of the held-out part);
  2. speed: reports a second over the labelled texts repeated (`extract_reports_per_s`, target >= 1,000),
     beside a naive baseline measured in the same process on the same texts: substring search of every
     gazetteer name, the first number in the text as the killed, the first attack word as the type.

Prints its figures, then as the LAST line one JSON object. `--quick` is a smoke run for the test suite."""

from __future__ import annotations

import argparse
import json
import re
import time
from collections.abc import Callable
from typing import Any

from reference import cpu_reference_ms, describe  # bench/ is on the path: run as a script

from hifazat.intel.extract import extract_text
from hifazat.intel.extract.labelled import SCORED, accuracy, load
from hifazat.intel.extract.places import gazetteer

NUMBER = re.compile(r"\b\d+\b")
WORDS = (("suicide", "suicide_bombing"), ("kidnap", "kidnapping"), ("bomb", "bombing"), ("shot", "shooting"))


def naive(text: str) -> dict[str, Any]:
    """What a first attempt does: the first gazetteer name found anywhere, the first number, a keyword."""
    low = text.lower()
    place = next((p for name, p in gazetteer().items() if name in text), None)
    num = NUMBER.search(text.split("\n", 1)[-1])
    kind = next((k for w, k in WORDS if w in low), "other")
    return {
        "event_date": None,
        "location": place.name if place else None,
        "admin1": place.admin1 if place else None,
        "killed": int(num.group()) if num else 0,
        "injured": 0,
        "victim_nationalities": ["CN"] if "chinese" in low else None,
        "attack_type": kind,
        "perpetrator": "BLA" if "BLA" in text else None,
    }


def rate(fn: Callable[[str], Any], texts: list[str], n: int) -> float:
    start = time.perf_counter()
    for i in range(n):
        fn(texts[i % len(texts)])
    return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run: 200 extractions")
    args = parser.parse_args()
    reference = cpu_reference_ms()
    print(describe(reference))
    train, held = load("train"), load("heldout")
    texts = [r.text for r in train + held]
    extract_text(texts[0])  # the gazetteer loads once, before timing
    acc = {"train": accuracy(train, extract_text), "heldout": accuracy(held, extract_text)}
    base = {"train": accuracy(train, naive), "heldout": accuracy(held, naive)}
    for split in ("train", "heldout"):
        print(f"{split} ({len(train if split == 'train' else held)} reports)")
        for k in SCORED:
            print(f"  {k:<22} {acc[split][k]:6.1%}   naive {base[split][k]:6.1%}")
    n = 200 if args.quick else 5_000
    ours = rate(extract_text, texts, n)
    theirs = rate(naive, texts, n)
    print(f"extraction: {ours:,.0f} reports/s; naive baseline {theirs:,.0f} reports/s ({ours / theirs:.2f}x)")
    held_min = min(acc["heldout"].values())
    results = {
        "extract_reports_per_s": round(ours, 1),
        "naive_reports_per_s": round(theirs, 1),
        "speed_ratio_vs_naive": round(ours / theirs, 3),
        "train_accuracy": {k: round(v, 3) for k, v in acc["train"].items()},
        "heldout_accuracy": {k: round(v, 3) for k, v in acc["heldout"].items()},
        "naive_heldout_accuracy": {k: round(v, 3) for k, v in base["heldout"].items()},
        "heldout_min_field_accuracy": round(held_min, 3),
        "heldout_target_met": held_min >= 0.9,
        "speed_target_met": ours >= 1000,
        "reports": {"train": len(train), "heldout": len(held)},
        "quick": args.quick,
        "cpu_reference_ms": round(reference, 2),
    }
    print(json.dumps(results))


if __name__ == "__main__":
    main()
