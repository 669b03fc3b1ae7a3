"""Pages under wrk: the hardened app next to the bare one, and the appeal page failing fast.

Throughput: each path is measured on the hardened app and then at once on the bare app
(same gunicorn settings, same bytes), so both halves of a ratio see the same machine load.
The CPU time the server processes used per request is recorded too: unlike requests/s it
hardly depends on what else the machine is doing.

Fail fast: PostgreSQL is stopped, a few requests open the shared `database` breaker, and
wrk measures the appeal page again. Each gunicorn worker answers it from its snapshot of
the page (cached by the healthy run just before), or with 503 + Retry-After when it has
none; either way no request should wait on the database. Both states are measured at
wrk's 16 connections (saturated: latency is mostly queueing for the CPU) and at one
connection (the cost of one request alone). PostgreSQL is started again afterwards and
the app must recover through its readiness probe.
"""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass

import requests

from bench import cpu, profile, wrk
from bench.services import Services, capture_responses
from testkit.appeals import make_appeal

PATHS = ("/health", "/api/public/cities/sf", "/appeals/{public_id}")
# bare / hardened CPU per request (the steadier figure); the appeal page's bare twin runs
# the same SELECT, so its target is lower.
CPU_RATIO_TARGET = {"/health": 0.8, "/api/public/cities/sf": 0.8, "/appeals/": 0.6}
# The same with LOG_LEVEL=info: one JSON line per request, as production logs.
PRODUCTION_CPU_RATIO_TARGET = {"/health": 0.7, "/api/public/cities/sf": 0.7}
WORKER_RSS_TARGET_MIB = 150.0
FAIL_FAST_P99_TARGET_MS = 40.0
MAX_PRIMING_REQUESTS = 50  # the breaker opens after 5 failed connects (fail_max)
RECOVERY_DEADLINE_S = 60.0


@dataclass
class PageComparison:
    path: str
    hardened: wrk.WrkResult
    bare: wrk.WrkResult
    hardened_cpu_ms: float  # gunicorn master + workers, per request
    bare_cpu_ms: float

    @property
    def ratio(self) -> float:
        return self.hardened.requests_per_s / self.bare.requests_per_s if self.bare.requests_per_s else 0.0

    @property
    def cpu_ratio(self) -> float:
        """bare / hardened CPU per request: the throughput ratio if CPU were the only limit."""
        return self.bare_cpu_ms / self.hardened_cpu_ms if self.hardened_cpu_ms else 0.0

    targets: dict[str, float] | None = None

    @property
    def target(self) -> float | None:
        """The bare / hardened CPU ratio this path must reach, if any."""
        for prefix, target in (self.targets or CPU_RATIO_TARGET).items():
            if self.path.startswith(prefix):
                return target
        return None

    @property
    def meets_target(self) -> bool:
        return self.target is None or self.cpu_ratio >= self.target


@dataclass
class ProductionShape:
    comparisons: list[PageComparison]
    worker_rss_mib: list[float]  # each gunicorn worker, after the runs
    log_lines: int  # JSON access lines the app wrote during the runs

    @property
    def meets_target(self) -> bool:
        return (all(c.meets_target for c in self.comparisons)
                and max(self.worker_rss_mib, default=0.0) <= WORKER_RSS_TARGET_MIB)


@dataclass
class FailFastResult:
    path: str
    healthy: wrk.WrkResult
    breaker_open: wrk.WrkResult
    healthy_alone: wrk.WrkResult  # one connection
    breaker_open_alone: wrk.WrkResult
    priming: Counter  # statuses of the requests made while the breaker was still closed
    breaker_state: str  # just before the measured run
    recovered_after_s: float | None  # PostgreSQL started -> /health/ready answers 200
    page_after_recovery: int | None  # status of the appeal page once recovered

    @property
    def meets_target(self) -> bool:
        return self.breaker_open.p99_ms <= FAIL_FAST_P99_TARGET_MS


def status_page_path(services: Services) -> str:
    """An appeal at the payment step, created with the models; its page's path."""
    public_id = make_appeal(services.control, email="bench-driver@example.com")
    return PATHS[2].format(public_id=public_id)


def _bare(services: Services, paths: list[str]):
    if services.bare is None:
        services.start_bare(capture_responses(services.hardened.url, paths))
    return services.bare


def _compare(hardened, bare, paths: list[str], seconds: int, warmup_s: int,
             targets: dict[str, float] | None = None) -> list[PageComparison]:
    comparisons = []
    for path in paths:
        hardened_run, hardened_cpu = _measure_with_cpu(hardened.url + path, hardened.process.pid,
                                                       seconds, warmup_s)
        bare_run, bare_cpu = _measure_with_cpu(bare.url + path, bare.process.pid, seconds, warmup_s)
        comparisons.append(PageComparison(path, hardened_run, bare_run, hardened_cpu, bare_cpu,
                                          targets))
    return comparisons


def throughput(services: Services, status_path: str, seconds: int, warmup_s: int) -> list[PageComparison]:
    paths = [*PATHS[:2], status_path]
    return _compare(services.hardened, _bare(services, paths), paths, seconds, warmup_s)


def production_shape(services: Services, status_path: str, seconds: int,
                     warmup_s: int) -> ProductionShape:
    """The same pages on a second hardened app logging at info (a JSON line per request)."""
    paths = [*PATHS[:2], status_path]
    bare = _bare(services, paths)
    app = services.start_hardened("production", {"LOG_LEVEL": "info"})
    try:
        lines_before = len(app.access_lines())
        comparisons = _compare(app, bare, paths, seconds, warmup_s, PRODUCTION_CPU_RATIO_TARGET)
        rss = [cpu.rss_mib(pid) for pid in sorted(app.worker_pids())]
        lines = len(app.access_lines()) - lines_before
    finally:
        app.stop()
    return ProductionShape(comparisons, [r for r in rss if r is not None], lines)


def profiles(services: Services, status_path: str, seconds: int, out_dir) -> list[profile.Profile]:
    """py-spy's five most expensive frames on the hardened app, one wrk run per path."""
    return [profile.profile(services.hardened.url + path, path, services.hardened.worker_pids(),
                            seconds, out_dir)
            for path in [*PATHS[:2], status_path]]


def _measure_with_cpu(url: str, server_pid: int, seconds: int, warmup_s: int) -> tuple[wrk.WrkResult, float]:
    """wrk.measure, plus the server's CPU milliseconds per request over the measured run."""
    if warmup_s > 0:
        wrk.run(url, warmup_s)
    before = cpu.tree_seconds(server_pid)
    result = wrk.run(url, seconds)
    used_s = cpu.tree_seconds(server_pid) - before
    return result, used_s * 1000 / result.requests if result.requests else 0.0


def breaker_state(services: Services) -> str:
    """The `database` breaker as the gunicorn workers see it (its state lives in Redis)."""
    with services.control.app_context():
        return services.control.extensions["breakers"].snapshot("database")["state"]


def fail_fast(services: Services, status_path: str, seconds: int, warmup_s: int) -> FailFastResult:
    url = services.hardened.url + status_path
    healthy = wrk.measure(url, seconds, warmup_s)  # also caches the page in the workers
    healthy_alone = wrk.measure(url, seconds, warmup_s, connections=1)
    services.postgres.stop()
    try:
        priming = _open_database_breaker(services, url)
        state = breaker_state(services)
        broken = wrk.measure(url, seconds, warmup_s)
        broken_alone = wrk.measure(url, seconds, warmup_s, connections=1)
    finally:
        services.postgres.start()
    recovered_after_s, page_status = _recover(services, url)
    return FailFastResult(status_path, healthy, broken, healthy_alone, broken_alone, priming,
                          state, recovered_after_s, page_status)


def _open_database_breaker(services: Services, url: str) -> Counter:
    statuses: Counter = Counter()
    for _ in range(MAX_PRIMING_REQUESTS):
        statuses[requests.get(url, timeout=15).status_code] += 1
        if breaker_state(services) == "open":
            return statuses
    raise RuntimeError(f"database breaker still {breaker_state(services)} after "
                       f"{MAX_PRIMING_REQUESTS} requests with PostgreSQL down ({dict(statuses)})")


def _recover(services: Services, url: str) -> tuple[float | None, int | None]:
    """Wait (bounded) for /health/ready, which closes the breaker once the database answers."""
    started = time.monotonic()
    while time.monotonic() - started < RECOVERY_DEADLINE_S:
        try:
            if requests.get(services.hardened.url + "/health/ready", timeout=5).status_code == 200:
                elapsed = time.monotonic() - started
                return elapsed, requests.get(url, timeout=10).status_code
        except requests.RequestException:
            pass
        time.sleep(0.2)
    return None, None
