"""What a driver waits for a ticket photo through the app: POST /api/tickets/read, in
process (Flask's test client), so the figure is the app's own work: the photo's type
sniffed, decoded within bounds and re-encoded without its metadata, then read by the
pool's worker (IPC included) through the `ocr` breaker. No network, no web server.
"""
from __future__ import annotations

import io
import os
import statistics
import tempfile
import time
from typing import Sequence

from app import create_app
from app.appeals.evidence import clean
from bench.ticket_set import TicketPhoto


def _percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def run(photos: Sequence[TicketPhoto], workers: int = 2, budget_s: float = 10.0) -> dict:
    """Seconds per photo through the API, one at a time, and the cleaning step alone."""
    with tempfile.TemporaryDirectory(prefix="fct-ocr-bench-") as workdir:
        # create_app reads the environment once; this process is the benchmark's own.
        os.environ.update({"APP_ENV": "test", "SECRET_KEY": "bench-secret-key-" + "x" * 20,
                           "SCHEDULER_MODE": "off", "LOG_LEVEL": "error",
                           "DATABASE_URL": f"sqlite:///{workdir}/bench.db",
                           "UPLOAD_DIR": f"{workdir}/uploads", "RATELIMIT_UPLOAD": "1000000/minute",
                           "OCR_WORKERS": str(workers), "OCR_QUEUE_SIZE": str(workers),
                           "OCR_BUDGET_S": str(budget_s)})
        app = create_app()
        client = app.test_client()
        try:
            _post(client, photos[0].photo)  # workers started and warm before measuring
            seconds, statuses = [], []
            for photo in photos:
                started = time.perf_counter()
                statuses.append(_post(client, photo.photo))
                seconds.append(time.perf_counter() - started)
        finally:
            app.extensions["ticket_reader"].close()
    cleaning = []
    for photo in photos:
        started = time.perf_counter()
        clean(photo.photo)
        cleaning.append(time.perf_counter() - started)
    return {"api_p50_s": round(statistics.median(seconds), 2),
            "api_p95_s": round(_percentile(seconds, 0.95), 2),
            "api_ok": statuses.count(200), "api_other": len(statuses) - statuses.count(200),
            "clean_p50_s": round(statistics.median(cleaning), 3),
            "clean_p95_s": round(_percentile(cleaning, 0.95), 3)}


def _post(client, data: bytes) -> int:
    return client.post("/api/tickets/read", data={"photo": (io.BytesIO(data), "ticket.jpg")},
                       content_type="multipart/form-data").status_code
