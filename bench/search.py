"""Catalogue search benchmark: building the pinyin index and answering a keystroke's query.

A catalogue of N items (default 5,000: a large convenience store) is made from the sample catalogue's names
with a running number; the index is built the way the kiosk builds it (``Catalogue(...)``, once, on the
core's start-up thread), then typical queries are timed: pinyin initials, full pinyin, a Chinese word, an
English word, a barcode prefix and a query that finds nothing. The search runs on the GUI thread as the
clerk types (after a 150 ms pause), so the target is p95 < 16 ms (one frame) at 5,000 items.

Usage: .venv/bin/python bench/search.py [--items 5000]
The last line of stdout is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._stats import percentiles
from kiosk.checkout.catalogue import Catalogue, Item, sample_catalogue

QUERIES = ("kkkl", "kl", "niunai", "nfsq", "拿铁", "cola", "6921", "zzzz", "ksfhsnrm", "330")
ROUNDS = 20


def catalogue_of(size: int) -> tuple[Catalogue, float]:
    sample = sample_catalogue()
    items = [
        Item(
            f"B{n:05d}",
            None,
            f"{base.name_zh} {n}",
            f"{base.name_en} {n}",
            base.price_fen,
            base.category,
        )
        for n in range(size)
        for base in (sample.items[n % len(sample.items)],)
    ]
    started = time.perf_counter()
    catalogue = Catalogue(list(sample.categories), [*sample.items, *items])
    return catalogue, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--items", type=int, default=5000)
    options = parser.parse_args()
    import pypinyin  # noqa: F401  # the import (its dictionaries) is timed on its own

    catalogue, build_seconds = catalogue_of(options.items)
    timings: list[float] = []
    found: dict[str, int] = {}
    for _ in range(ROUNDS):
        for query in QUERIES:
            started = time.perf_counter()
            results = catalogue.search(query)
            timings.append(time.perf_counter() - started)
            found[query] = len(results)
    p95 = percentiles(timings)["p95_ms"]
    print(
        json.dumps(
            {
                "bench": "search",
                "items": len(catalogue),
                "index_build_ms": round(build_seconds * 1000, 1),
                "query": percentiles(timings),
                "results": found,
                "meets_target": p95 < 16,
            }
        )
    )


if __name__ == "__main__":
    main()
