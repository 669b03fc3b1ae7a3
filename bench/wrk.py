"""Running wrk (a separate C process, so the load generator does not share our GIL) and
reading its figures.

Every run uses status_count.lua, so each result knows exactly which statuses came back
(wrk itself only prints a "Non-2xx or 3xx" total) and how many answers had Retry-After.
"""
from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

THREADS, CONNECTIONS = 2, 16
SCRIPT = Path(__file__).with_name("status_count.lua")
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}

REQUESTS_PER_S = re.compile(r"^Requests/sec:\s+([\d.]+)", re.M)
TOTAL = re.compile(r"^\s*(\d+) requests in ([\d.]+)(\w+),", re.M)
PERCENTILE = re.compile(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s|m|h)\s*$", re.M)
NON_2XX_3XX = re.compile(r"Non-2xx or 3xx responses: (\d+)")
SOCKET_ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")
STATUS_LINE = re.compile(r"^status (\d+) (\d+)$", re.M)
RETRY_AFTER_LINE = re.compile(r"^retry_after (\d+)$", re.M)


@dataclass
class WrkResult:
    url: str
    connections: int
    seconds: float
    requests: int
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    statuses: dict[int, int] = field(default_factory=dict)
    retry_after: int = 0
    socket_errors: int = 0

    @property
    def non_2xx(self) -> int:
        return sum(n for status, n in self.statuses.items() if not 200 <= status < 300)

    def status_text(self) -> str:
        return ", ".join(f"{status}: {n}" for status, n in sorted(self.statuses.items())) or "none"


def run(url: str, seconds: int, connections: int = CONNECTIONS, timeout_s: int = 5) -> WrkResult:
    """One wrk run of `seconds` against `url`; raises when wrk fails or prints no figures."""
    threads = min(THREADS, connections)  # wrk wants at least one connection per thread
    command = ["wrk", "--latency", f"-t{threads}", f"-c{connections}", f"-d{seconds}s",
               f"--timeout={timeout_s}s", "-s", str(SCRIPT), url]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr}{done.stdout}")
    return parse(url, connections, done.stdout)


def parse(url: str, connections: int, output: str) -> WrkResult:
    rate, total, percentiles = (REQUESTS_PER_S.search(output), TOTAL.search(output),
                                dict((p, (v, u)) for p, v, u in PERCENTILE.findall(output)))
    if not (rate and total and "50" in percentiles and "99" in percentiles):
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    socket = SOCKET_ERRORS.search(output)
    retry_after = RETRY_AFTER_LINE.search(output)
    return WrkResult(
        url=url,
        connections=connections,
        seconds=float(total.group(2)) * UNITS_MS[total.group(3)] / 1000.0,
        requests=int(total.group(1)),
        requests_per_s=float(rate.group(1)),
        p50_ms=_ms(*percentiles["50"]),
        p99_ms=_ms(*percentiles["99"]),
        statuses={int(s): int(n) for s, n in STATUS_LINE.findall(output)},
        retry_after=int(retry_after.group(1)) if retry_after else 0,
        socket_errors=sum(int(n) for n in socket.groups()) if socket else 0,
    )


def _ms(value: str, unit: str) -> float:
    return float(value) * UNITS_MS[unit]


def measure(url: str, seconds: int, warmup_s: int, connections: int = CONNECTIONS) -> WrkResult:
    """A short, discarded warm-up run first (connection pools, per-process caches, lazy
    imports), then the measured run."""
    if warmup_s > 0:
        run(url, warmup_s, connections)
    return run(url, seconds, connections)


def version() -> str:
    done = subprocess.run(["wrk", "-v"], capture_output=True, text=True, timeout=10)
    first = (done.stdout or done.stderr).splitlines()[0] if (done.stdout or done.stderr) else ""
    match = re.match(r"wrk (\S+)", first)
    return match.group(1) if match else first.strip() or "unknown"
