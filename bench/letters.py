"""How long the appeal letter PDF takes to build, and how large it is.

    python -m bench.letters [RUNS]     # RUNS letters (default 40) of each kind below

An appeal with four 12-megapixel phone photos (about 2.5 MB of JPEG each: phones save
JPEG, and HEIC is stored as JPEG) and a drawn signature, in a real app (SQLite and the
local file store in a temporary folder), printed with `letter_pdf_for` again and again in
this process, as the mailing job and the driver's copy do:

- "later letters": the photos' print copies are stored (every letter after the first
  that printed them) — the figure the target is for;
- "first letter": the print copies are deleted before each build, so every build decodes
  and scales the four originals and stores the copies (what every build cost before
  print copies were kept).

p50/p95 of wall-clock and CPU time per letter, and the PDF's size. Then the same with PNG
and WebP photos of that size in the mix, which cannot be decoded at a reduced size as a
JPEG can: the worst case for a first letter. CPU time is reported beside wall time because
this machine is shared: wall time includes waiting for a core.
"""
from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from app import create_app
from app.config import Settings
from app.extensions import db
from app.fulfilment.appeal_letter import letter_pdf_for
from app.fulfilment.letter_fonts import letter_fonts
from app.models import Appeal, EvidencePhoto
from bench.machine import load_average
from testkit.pictures import BODY, MIXED, exhibits, signature_png

PHOTO_SIZE = (4032, 3024)
TARGET_P95_MS = 300.0
MAILING_DATE = date(2026, 11, 30)
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


def bench_app(folder: Path):
    settings = Settings.from_env({"APP_ENV": "test", "SECRET_KEY": "bench-" * 8,
                                  "DATABASE_URL": f"sqlite:///{folder / 'bench.db'}",
                                  "UPLOAD_DIR": str(folder / "uploads"), "SCHEDULER_MODE": "off",
                                  "LOG_LEVEL": "error"}, instance_path=str(folder))
    app = create_app(settings)
    with app.app_context():
        db.create_all()
    return app


def stored_appeal(app, kinds: tuple[str, ...]) -> int:
    """An appeal with four photos and a drawn signature, its files in the app's store."""
    storage = app.extensions["storage"]
    appeal = Appeal(city_slug="sf", citation_number="912345678", driver_name="Jane Q. Driver",
                    return_address="10 Main Street, Apt 2\nOakland, CA 94607", letter_text=BODY,
                    signature_key="appeals/bench/signature.png", signature_name="Jane Q. Driver")
    storage.save(appeal.signature_key, signature_png(), "image/png")
    db.session.add(appeal)
    db.session.flush()
    for n, exhibit in enumerate(exhibits(4, *PHOTO_SIZE, kinds=kinds)):
        key = f"appeals/bench/photos/{n}-{len(kinds)}.{EXTENSIONS[exhibit.content_type]}"
        storage.save(key, exhibit.data, exhibit.content_type)
        db.session.add(EvidencePhoto(appeal_id=appeal.id, storage_key=key, sha256=f"{n}",
                                     content_type=exhibit.content_type,
                                     size_bytes=len(exhibit.data), kind="ticket" if n == 0 else "evidence"))
    db.session.commit()
    return appeal.id


def measure(app, appeal_id: int, runs: int, *, first_letter: bool) -> dict[str, float]:
    storage = app.extensions["storage"]
    wall, cpu = [], []
    with app.app_context():
        appeal = db.session.get(Appeal, appeal_id)
        photos_kb = sum(photo.size_bytes for photo in appeal.photos) / 1024
        pdf = letter_pdf_for(appeal, MAILING_DATE)  # the print copies are made here
        for _ in range(runs):
            if first_letter:
                for photo in appeal.photos:
                    storage.delete(photo.print_copy_key)
            db.session.expire_all()  # each letter reads the appeal and its photos again
            wall_start, cpu_start = time.perf_counter(), time.process_time()
            letter_pdf_for(db.session.get(Appeal, appeal_id), MAILING_DATE)
            wall.append((time.perf_counter() - wall_start) * 1000)
            cpu.append((time.process_time() - cpu_start) * 1000)
    return {"runs": runs, "wall_p50_ms": _percentile(wall, 50), "wall_p95_ms": _percentile(wall, 95),
            "cpu_p50_ms": _percentile(cpu, 50), "cpu_p95_ms": _percentile(cpu, 95),
            "pdf_kb": len(pdf) / 1024, "photos_kb": photos_kb}


def _percentile(values: list[float], pct: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def main(argv: list[str]) -> int:
    runs = int(argv[0]) if argv else 40
    started = time.perf_counter()
    letter_fonts()
    print(f"registering the fonts (once per process): {(time.perf_counter() - started) * 1000:.0f} ms")
    with tempfile.TemporaryDirectory(prefix="fct-bench-letters-") as folder:
        app = bench_app(Path(folder))
        for label, kinds in (("JPEG", ("image/jpeg",)), ("JPEG, PNG and WebP", MIXED)):
            with app.app_context():
                appeal_id = stored_appeal(app, kinds)
            for case, first in (("later letters", False), ("first letter", True)):
                figures = measure(app, appeal_id, runs, first_letter=first)
                print(f"letter PDF with four {PHOTO_SIZE[0]}×{PHOTO_SIZE[1]} photos, {label} "
                      f"({figures['photos_kb']:.0f} KB in), {case}, {runs} builds, "
                      f"load {load_average()}")
                print(f"  wall  p50 {figures['wall_p50_ms']:6.1f} ms   p95 "
                      f"{figures['wall_p95_ms']:6.1f} ms   (target p95 ≤ {TARGET_P95_MS:.0f} ms)")
                print(f"  cpu   p50 {figures['cpu_p50_ms']:6.1f} ms   p95 {figures['cpu_p95_ms']:6.1f} ms"
                      f"   PDF {figures['pdf_kb']:.0f} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
