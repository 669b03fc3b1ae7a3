"""How long the appeal letter PDF takes to build, and how large it is.

    python -m bench.letters [RUNS]     # RUNS letters (default 40) of each kind below

A letter with four 12-megapixel phone photos (about 2.5 MB of JPEG each: phones save JPEG,
and HEIC is stored as JPEG) and a drawn signature, built again and again in this process:
p50/p95 of wall-clock and CPU time per letter, the PDF's size, and what the first letter
pays once (registering the fonts). Then the same with PNG and WebP photos of that size in
the mix, which cannot be decoded at a reduced size as a JPEG can: the worst case. CPU time
is reported beside wall time because this machine is shared: wall time includes waiting
for a core.
"""
from __future__ import annotations

import statistics
import sys
import time

from app.fulfilment.letter_pdf import build_letter_pdf
from bench.machine import load_average
from tests.fulfilment.sample_letters import MIXED, exhibits, sample_letter

PHOTO_SIZE = (4032, 3024)
TARGET_P95_MS = 300.0


def measure(runs: int = 40, kinds: tuple[str, ...] = ("image/jpeg",)) -> dict[str, float]:
    letter = sample_letter(exhibits=exhibits(4, *PHOTO_SIZE, kinds=kinds))
    started = time.perf_counter()
    pdf = build_letter_pdf(letter)  # the first letter registers the fonts
    first_ms = (time.perf_counter() - started) * 1000
    wall, cpu = [], []
    for _ in range(runs):
        wall_start, cpu_start = time.perf_counter(), time.process_time()
        build_letter_pdf(letter)
        wall.append((time.perf_counter() - wall_start) * 1000)
        cpu.append((time.process_time() - cpu_start) * 1000)
    return {"runs": runs, "first_letter_ms": first_ms,
            "wall_p50_ms": _percentile(wall, 50), "wall_p95_ms": _percentile(wall, 95),
            "cpu_p50_ms": _percentile(cpu, 50), "cpu_p95_ms": _percentile(cpu, 95),
            "pdf_kb": len(pdf) / 1024, "photos_kb": sum(len(e.data) for e in letter.exhibits) / 1024}


def _percentile(values: list[float], pct: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def main(argv: list[str]) -> int:
    runs = int(argv[0]) if argv else 40
    for label, kinds in (("JPEG", ("image/jpeg",)), ("JPEG, PNG and WebP", MIXED)):
        figures = measure(runs, kinds)
        print(f"letter PDF with four {PHOTO_SIZE[0]}×{PHOTO_SIZE[1]} photos, {label} "
              f"({figures['photos_kb']:.0f} KB in), {runs} builds, load {load_average()}")
        print(f"  wall  p50 {figures['wall_p50_ms']:6.1f} ms   p95 {figures['wall_p95_ms']:6.1f} ms"
              f"   (target p95 ≤ {TARGET_P95_MS:.0f} ms)")
        print(f"  cpu   p50 {figures['cpu_p50_ms']:6.1f} ms   p95 {figures['cpu_p95_ms']:6.1f} ms")
        print(f"  first letter {figures['first_letter_ms']:.0f} ms; PDF {figures['pdf_kb']:.0f} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
