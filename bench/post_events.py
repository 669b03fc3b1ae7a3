"""Posting signed Stripe events to the webhook endpoint, as a process of its own.

    python -m bench.post_events SPEC.json RESULT.json

SPEC: {"url", "secret", "threads", "timeout_s", "deliveries": [[event id, event JSON
text], ...]}, in delivery order. Each thread keeps one keep-alive session and takes the next body from a
shared cursor until none is left (so the loop is bounded by the list). A body is signed
just before it is sent, as Stripe does: the signature carries a timestamp the app checks.
RESULT: {"seconds": wall time of the whole run, "deliveries": [{"event_id", "status",
"outcome", "latency_ms"}, ...]}.
"""
from __future__ import annotations

import json
import sys
import threading
import time

import requests

from testkit.fakes.stripe_objects import sign_event


def post_all(spec: dict) -> dict:
    deliveries: list[list[str]] = spec["deliveries"]
    results: list[dict | None] = [None] * len(deliveries)
    cursor, lock = iter(range(len(deliveries))), threading.Lock()

    def next_index() -> int | None:
        with lock:
            return next(cursor, None)

    def worker() -> None:
        session = requests.Session()
        while (index := next_index()) is not None:
            event_id, body = deliveries[index]
            results[index] = _deliver(session, spec, event_id, body)
        session.close()

    threads = [threading.Thread(target=worker) for _ in range(spec["threads"])]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"seconds": time.perf_counter() - started, "deliveries": results}


def _deliver(session: requests.Session, spec: dict, event_id: str, body: str) -> dict:
    headers = {"Stripe-Signature": sign_event(body, spec["secret"]),
               "Content-Type": "application/json"}
    clock = time.perf_counter()
    try:
        response = session.post(spec["url"], data=body.encode(), headers=headers,
                                timeout=spec.get("timeout_s", 30))
        status = response.status_code
        outcome = (response.json() or {}).get("outcome") if status == 200 else None
    except (requests.RequestException, ValueError) as exc:
        status, outcome = 0, type(exc).__name__
    return {"event_id": event_id, "status": status, "outcome": outcome,
            "latency_ms": (time.perf_counter() - clock) * 1000}


def main(argv: list[str]) -> int:
    spec_path, result_path = argv
    with open(spec_path) as spec_file:
        spec = json.load(spec_file)
    with open(result_path, "w") as out:
        json.dump(post_all(spec), out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
