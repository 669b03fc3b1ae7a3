"""A bounded HTTP load, run as its own process during a drill.

    python -m tests.chaos.load SPEC.json RESULTS.jsonl

SPEC.json: {"base_url": ..., "threads": n, "duration_s": s, "max_requests": m,
            "timeout_s": t, "stop_file": path or null,
            "requests": [{"name", "method", "path", "headers", "cookies", "data", "json",
                          "once": bool}, ...]}

Each thread has its own keep-alive session and walks the request list round-robin; a
request marked `once` is sent by one thread only, once. The load stops by itself at
`duration_s`, after `max_requests`, or as soon as `stop_file` exists. Every request is
written as one JSON line: name, status (0 when no answer came), latency, start time.
"""
from __future__ import annotations

import itertools
import json
import os
import sys
import threading
import time

import requests


def _send(session: requests.Session, base_url: str, spec: dict, timeout_s: float) -> dict:
    started = time.time()
    clock = time.perf_counter()
    try:
        response = session.request(spec.get("method", "GET"), base_url + spec["path"],
                                   headers=spec.get("headers"), cookies=spec.get("cookies"),
                                   data=spec.get("data"), json=spec.get("json"),
                                   allow_redirects=False, timeout=timeout_s)
        status, error = response.status_code, None
        traceback_seen = "Traceback (most recent call last)" in response.text
        retry_after = response.headers.get("Retry-After")
    except requests.RequestException as exc:
        status, error, traceback_seen, retry_after = 0, type(exc).__name__, False, None
    return {"name": spec.get("name", spec["path"]), "status": status,
            "latency_s": round(time.perf_counter() - clock, 5), "at": round(started, 3),
            "error": error, "traceback": traceback_seen, "retry_after": retry_after}


def run(spec: dict, out_path: str) -> int:
    deadline = time.monotonic() + spec["duration_s"]
    budget = itertools.count()
    max_requests = spec.get("max_requests", 100_000)
    stop_file = spec.get("stop_file")
    repeated = [r for r in spec["requests"] if not r.get("once")]
    once = [r for r in spec["requests"] if r.get("once")]
    once_lock = threading.Lock()
    write_lock = threading.Lock()
    sent = [0]

    def take_once() -> dict | None:
        with once_lock:
            return once.pop() if once else None

    def stopped() -> bool:
        return (time.monotonic() >= deadline or next(budget) >= max_requests
                or bool(stop_file and os.path.exists(stop_file)))

    with open(out_path, "w") as out:
        def worker(offset: int) -> None:
            session = requests.Session()
            cycle = itertools.cycle(repeated[offset % len(repeated):] + repeated[:offset % len(repeated)]
                                    if repeated else [None])
            while not stopped():
                request = take_once() or next(cycle)
                if request is None:
                    break
                line = json.dumps(_send(session, spec["base_url"], request, spec.get("timeout_s", 10)))
                with write_lock:
                    out.write(line + "\n")
                    out.flush()
                    sent[0] += 1

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(spec.get("threads", 4))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return sent[0]


if __name__ == "__main__":
    with open(sys.argv[1]) as spec_file:
        run(json.load(spec_file), sys.argv[2])
