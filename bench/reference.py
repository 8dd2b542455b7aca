"""The machine's speed, printed by every benchmark so that runs on different days can be compared.

These shared 2-core machines ran the same code 2 to 3 times slower on one day than on another; every
latency and throughput figure moves with that. `cpu_reference_ms` times a fixed pure-Python workload
(dicts, strings, a sort), best of `rounds`, before any server starts."""

from __future__ import annotations

import time


def cpu_reference_ms(rounds: int = 5) -> float:
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        table = {i: str(i * 7919) for i in range(200_000)}
        sorted(table.values())
        best = min(best, time.perf_counter() - t0)
    return best * 1000


def describe(ms: float) -> str:
    return f"machine: a fixed pure-Python workload took {ms:.1f} ms (best of 5); compare runs by it"
