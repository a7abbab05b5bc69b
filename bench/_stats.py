"""Latency summaries shared by the benchmarks (not a benchmark itself)."""

from __future__ import annotations

import statistics


def percentiles(samples: list[float]) -> dict[str, float]:
    """Seconds in, milliseconds out: count, p50, p95, max and mean."""
    ordered = sorted(samples)
    if not ordered:
        return {"n": 0}

    def pick(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)

    return {
        "n": len(ordered),
        "p50_ms": pick(0.50),
        "p95_ms": pick(0.95),
        "max_ms": round(ordered[-1] * 1000, 2),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 2),
    }
