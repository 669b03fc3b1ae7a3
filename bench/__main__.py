"""`python -m bench` (run by scripts/bench): every benchmark, then docs/benchmarks.md.

Order matters: the pages first, on a quiet database; then the webhook and outbox runs;
the fail-fast run last, because it stops PostgreSQL. A benchmark that fails is reported
in the document and the exit status, and the others still run. Every server is stopped
on the way out, also on an exception, Ctrl-C or SIGTERM.
"""
from __future__ import annotations

import argparse
import shlex
import shutil
import signal
import sys
import tempfile
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from bench import machine, outbox, pages, report, services, webhooks
from tests.chaos.gunicorn_app import ROOT


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="each measured wrk run (10)")
    parser.add_argument("--warmup", type=int, default=3, help="discarded wrk run before each (3)")
    parser.add_argument("--events", type=int, default=2000,
                        help="Stripe deliveries, 10%% of them duplicates (2000)")
    parser.add_argument("--emails", type=int, default=1000, help="outbox messages (1000)")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    return parser.parse_args(argv)


def _stop_on_sigterm(signum, frame):
    raise SystemExit(128 + signum)  # unwinds through every finally: servers are stopped


def _step(run: report.Run, name: str, action):
    """Run one benchmark; a failure is recorded for the report instead of ending the run."""
    print(f"bench: {name}...", flush=True)
    started = time.monotonic()
    try:
        result = action()
    except Exception as exc:  # noqa: BLE001 - reported, and the other benchmarks go on
        traceback.print_exc()
        run.failures[name] = f"{type(exc).__name__}: {exc}".splitlines()[0][:500]
        return None
    print(f"bench: {name} done in {time.monotonic() - started:.0f} s", flush=True)
    return result


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    run = report.Run(started=datetime.now(UTC), seconds=args.seconds, warmup_s=args.warmup,
                     machine=machine.describe(), versions=machine.software_versions(),
                     command=shlex.join(["scripts/bench", *argv]))
    clock = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="fct-bench-"))
    try:
        with services.running(workdir) as svc:
            run.versions.update(svc.server_versions())
            status_path = pages.status_page_path(svc)
            run.pages = _step(run, "pages", lambda: pages.throughput(
                svc, status_path, args.seconds, args.warmup))
            run.webhooks = _step(run, "webhooks", lambda: webhooks.run(
                svc, args.events, workdir / "webhooks"))
            run.outbox = _step(run, "outbox", lambda: outbox.run(svc, args.emails, workdir / "outbox"))
            run.fail_fast = _step(run, "fail_fast", lambda: pages.fail_fast(
                svc, status_path, args.seconds, args.warmup))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    run.duration_s = time.monotonic() - clock
    run.machine["load average at end (1/5/15 min)"] = machine.load_average()
    report.write(args.output, run)
    print(f"bench: wrote {args.output}" + (f"; failed: {', '.join(run.failures)}" if run.failures else ""))
    return 1 if run.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
