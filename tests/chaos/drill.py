"""What the drills share: a load in a second process, its table, and the driver's journey
over real HTTP.

`Load` starts `tests/chaos/load.py` in its own process and reads back one line per request;
`summarize` prints the table each drill ends with (requests, status counts, p50/p99
latency, lost = requests that got no answer at all). `HttpClient` gives the Flask test
client's surface over `requests`, so the journey helpers of tests/appeals drive gunicorn.
"""
from __future__ import annotations

import collections
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from testkit.gunicorn_app import ROOT


@dataclass
class Answer:
    name: str
    status: int
    latency_s: float
    at: float
    error: str | None
    traceback: bool
    retry_after: str | None


class Load:
    def __init__(self, workdir: Path, base_url: str, requests_: list[dict], *, threads: int = 4,
                 duration_s: float = 60, max_requests: int = 20_000, timeout_s: float = 10):
        workdir.mkdir(parents=True, exist_ok=True)
        self.spec_path, self.out_path = workdir / "load.json", workdir / "load.jsonl"
        self.stop_file = workdir / "load.stop"
        self.spec = {"base_url": base_url, "threads": threads, "duration_s": duration_s,
                     "max_requests": max_requests, "timeout_s": timeout_s,
                     "stop_file": str(self.stop_file), "requests": requests_}
        self.process: subprocess.Popen | None = None

    def start(self) -> "Load":
        self.spec_path.write_text(json.dumps(self.spec))
        self.process = subprocess.Popen([sys.executable, "-m", "tests.chaos.load",
                                         str(self.spec_path), str(self.out_path)], cwd=ROOT)
        return self

    def stop(self) -> list[Answer]:
        """Tell the load to stop now; returns every answer."""
        self.stop_file.touch()
        return self.wait()

    def wait(self) -> list[Answer]:
        """Let the load run out by itself (duration or request budget); returns every answer."""
        if self.process is not None:
            self.process.wait(timeout=self.spec["duration_s"] + self.spec["timeout_s"] + 30)
            assert self.process.returncode == 0, "the load process failed"
        return self.answers()

    def answers(self) -> list[Answer]:
        if not self.out_path.exists():
            return []
        return [Answer(**json.loads(line)) for line in self.out_path.read_text().splitlines() if line]


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def summarize(title: str, answers: list[Answer], extra: dict[str, object] | None = None) -> dict:
    """Print the drill's table and return its figures by request name."""
    by_name: dict[str, list[Answer]] = collections.defaultdict(list)
    for answer in answers:
        by_name[answer.name].append(answer)
    rows = {}
    lines = [f"\n== {title} ==",
             f"{'request':34} {'n':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'lost':>5}  statuses"]
    for name in sorted(by_name):
        group = by_name[name]
        latencies = [a.latency_s * 1000 for a in group if a.status]
        statuses = collections.Counter(a.status for a in group if a.status)
        row = {"n": len(group), "p50": percentile(latencies, 0.5), "p99": percentile(latencies, 0.99),
               "max": max(latencies, default=0.0), "lost": sum(1 for a in group if not a.status),
               "statuses": dict(statuses)}
        rows[name] = row
        lines.append(f"{name[:34]:34} {row['n']:>6} {row['p50']:>8.1f} {row['p99']:>8.1f} "
                     f"{row['max']:>8.1f} {row['lost']:>5}  "
                     + " ".join(f"{s}x{c}" for s, c in sorted(statuses.items())))
    total = [a.latency_s * 1000 for a in answers if a.status]
    lines.append(f"{'all':34} {len(answers):>6} {percentile(total, 0.5):>8.1f} "
                 f"{percentile(total, 0.99):>8.1f} {max(total, default=0.0):>8.1f} "
                 f"{sum(1 for a in answers if not a.status):>5}")
    for key, value in (extra or {}).items():
        lines.append(f"{key}: {value}")
    print("\n".join(lines))
    return rows


class _Page:
    """A `requests` response with the Flask test response's `get_data`."""

    def __init__(self, response: requests.Response):
        self.status_code, self.headers, self.text = response.status_code, response.headers, response.text

    def get_data(self, as_text: bool = False):
        return self.text if as_text else self.text.encode()


class HttpClient:
    """The Flask test client's get/post over real HTTP with a cookie jar (CSRF needs it)."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.session = requests.Session()

    def get(self, path: str, **kwargs) -> _Page:
        return _Page(self.session.get(self.base_url + path, allow_redirects=False, timeout=15, **kwargs))

    def post(self, path: str, **kwargs) -> _Page:
        return _Page(self.session.post(self.base_url + path, allow_redirects=False, timeout=15, **kwargs))

    def cookies(self) -> dict[str, str]:
        return self.session.cookies.get_dict()


def wait_until(predicate, timeout_s: float, interval_s: float = 0.1, what: str = "condition"):
    """Poll (bounded) until `predicate()` is truthy; returns its value."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval_s)
    raise TimeoutError(f"{what} not reached in {timeout_s} s")
