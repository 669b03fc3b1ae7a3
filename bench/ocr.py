"""Ticket reading: exact-match accuracy per field and seconds per photo, on the synthetic
ticket photos of bench/ticket_set.py, read through the real process pool.

`python -m bench.ocr` prints the figures; `--api` also times POST /api/tickets/read in
process (bench/ocr_api.py); `--write docs/benchmarks.md` puts them in that file's
ticket-reading section (bench/ocr_doc.py). Latency is taken one photo at a time (what a
driver waits, IPC included); throughput with every worker busy.
"""
from __future__ import annotations

import argparse
import os
import shlex
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from app.integrations.ocr.base import KnownCity, OcrError, TicketReading
from app.integrations.ocr.pool import OcrPool
from bench import ocr_api, ocr_doc
from bench.ticket_set import EVAL_COUNT, EVAL_SEED, TicketPhoto, known_cities, ticket_set

FIELDS = ("citation_number", "issue_date", "issue_time", "plate", "plate_state", "violation",
          "location", "city")


@dataclass
class Score:
    photos: int = 0
    correct: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    filled: dict[str, int] = field(default_factory=lambda: dict.fromkeys(FIELDS, 0))
    # Filled in (so trusted enough to show) and wrong: what a driver would have to notice.
    confidently_wrong: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # photos whose reading raised

    def accuracy(self, name: str) -> float:
        return self.correct[name] / self.photos if self.photos else 0.0

    @property
    def confidently_wrong_rate(self) -> float:
        return len(self.confidently_wrong) / (self.photos * len(FIELDS)) if self.photos else 0.0


def truth_of(photo: TicketPhoto, name: str):
    return getattr(photo.truth, "city" if name == "city" else name)


def score(photos: Sequence[TicketPhoto], readings: Sequence[TicketReading | OcrError]) -> Score:
    """A field is right when the value filled in equals the truth, or when both are empty
    (no time printed, no city named)."""
    result = Score(photos=len(photos))
    for photo, reading in zip(photos, readings):
        if isinstance(reading, OcrError):
            result.failed.append(f"{photo.describe()}: {type(reading).__name__}: {reading}")
        for name in FIELDS:
            value = None if isinstance(reading, OcrError) else getattr(reading, name).value
            expected = truth_of(photo, name)
            result.correct[name] += value == expected
            if value is not None:
                result.filled[name] += 1
                if value != expected:
                    result.confidently_wrong.append(
                        f"{photo.describe()}: {name} {value!r} instead of {expected!r}")
    return result


def read_one(pool: OcrPool, photo: TicketPhoto, cities: Sequence[KnownCity]):
    started = time.perf_counter()
    try:
        reading = pool.read(photo.photo, cities)
    except OcrError as exc:
        reading = exc
    return reading, time.perf_counter() - started


def read_all(pool: OcrPool, photos: Sequence[TicketPhoto], cities: Sequence[KnownCity],
             concurrency: int = 1) -> tuple[list, list[float]]:
    """Readings (or the OcrError raised) in the photos' order, and seconds per photo."""
    with ThreadPoolExecutor(concurrency) as threads:
        results = list(threads.map(lambda p: read_one(pool, p, cities), photos))
    return [r for r, _ in results], [s for _, s in results]


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def run(seed: int = EVAL_SEED, count: int = EVAL_COUNT, workers: int = 2,
        budget_s: float = 10.0) -> dict:
    photos = ticket_set(seed, count)
    cities = known_cities()
    pool = OcrPool(workers=workers, queue_size=workers, budget_s=budget_s)
    try:
        pool.read(photos[0].photo, cities)  # workers started and warm before measuring
        readings, seconds = read_all(pool, photos, cities)
        started = time.perf_counter()
        read_all(pool, photos, cities, concurrency=workers)
        throughput = len(photos) / (time.perf_counter() - started)
    finally:
        pool.close()
    result = score(photos, readings)
    return {
        "photos": len(photos), "seed": seed, "workers": workers,
        "accuracy": {name: round(result.accuracy(name), 3) for name in FIELDS},
        "confidently_wrong": len(result.confidently_wrong),
        "confidently_wrong_rate": round(result.confidently_wrong_rate, 4),
        "failed": len(result.failed),
        "p50_s": round(statistics.median(seconds), 2), "p95_s": round(percentile(seconds, 0.95), 2),
        "photos_per_s": round(throughput, 2),
        "load_average": " / ".join(f"{x:.2f}" for x in os.getloadavg()),
        "details": result.confidently_wrong + result.failed,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ocr", description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=EVAL_SEED)
    parser.add_argument("--count", type=int, default=EVAL_COUNT)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--api", action="store_true",
                        help="also time POST /api/tickets/read in process, cleaning included")
    parser.add_argument("--write", type=Path, metavar="MARKDOWN",
                        help="write the figures as the ticket-reading section of this file "
                             "(docs/benchmarks.md)")
    args = parser.parse_args(argv)
    figures = run(args.seed, args.count, args.workers)
    print(f"{figures['photos']} photos (seed {figures['seed']}), {figures['workers']} workers, "
          f"load average at end {figures['load_average']}")
    for name, value in figures["accuracy"].items():
        print(f"  {name:<16} {value:6.1%} exact")
    print(f"  filled in but wrong: {figures['confidently_wrong']} fields "
          f"({figures['confidently_wrong_rate']:.1%}); reads failed: {figures['failed']}")
    print(f"  seconds per photo, one at a time: p50 {figures['p50_s']}, p95 {figures['p95_s']}; "
          f"{figures['photos_per_s']} photos/s with every worker busy")
    for line in figures["details"]:
        print(f"    {line}")
    api = ocr_api.run(ticket_set(args.seed, args.count), args.workers) if args.api else None
    if api:
        print(f"  POST /api/tickets/read: p50 {api['api_p50_s']} s, p95 {api['api_p95_s']} s "
              f"({api['api_ok']} answered 200); cleaning alone p50 {api['clean_p50_s']} s")
    if args.write:
        command = shlex.join(["python", "-m", "bench.ocr", *(argv if argv is not None else sys.argv[1:])])
        ocr_doc.write(args.write, ocr_doc.section(figures, api, command))
        print(f"wrote {args.write}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
