"""`python -m bench` (run by scripts/bench): every benchmark, then docs/benchmarks.md.

Order matters: the pages first, on a quiet database; then the webhook and outbox runs;
the fail-fast run last, because it stops PostgreSQL. A benchmark that fails is reported
in the document and the exit status, and the others still run. Every server is stopped
on the way out, also on an exception, Ctrl-C or SIGTERM.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import shlex
import shutil
import signal
import sys
import tempfile
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path

from bench import machine, outbox, pages, report, services, startup, webhooks
from testkit.gunicorn_app import ROOT


SECTIONS = ("pages", "production", "profiles", "startup", "webhooks", "outbox", "fail_fast")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="scripts/bench", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="each measured wrk run (10)")
    parser.add_argument("--warmup", type=int, default=3, help="discarded wrk run before each (3)")
    parser.add_argument("--events", type=int, default=2000,
                        help="Stripe deliveries, 10%% of them duplicates (2000)")
    parser.add_argument("--emails", type=int, default=1000, help="outbox messages (1000)")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--profile-dir", type=Path,
                        help="keep py-spy's collapsed stacks here (default: deleted)")
    parser.add_argument("--json", type=Path, help="also write the raw figures to this file")
    parser.add_argument("--only", action="append", choices=SECTIONS, metavar="SECTION",
                        help=f"run only this section (repeatable): {', '.join(SECTIONS)}")
    parser.add_argument("--profile-seconds", type=int, default=5,
                        help="py-spy run per path for the profiles section (5)")
    return parser.parse_args(argv)


def _plain(value):
    """JSON-ready: mappings keyed by strings (Counters of tuples or ints included)."""
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return value


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
            wanted = set(args.only or SECTIONS)
            if "pages" in wanted:
                run.pages = _step(run, "pages", lambda: pages.throughput(
                    svc, status_path, args.seconds, args.warmup))
            if "production" in wanted:
                run.production = _step(run, "production", lambda: pages.production_shape(
                    svc, status_path, args.seconds, args.warmup))
            if "profiles" in wanted:
                run.profiles = _step(run, "profiles", lambda: pages.profiles(
                    svc, status_path, args.profile_seconds, args.profile_dir or workdir / "profiles"))
            if "startup" in wanted:
                run.startup = _step(run, "startup", lambda: startup.run(svc, workdir / "startup"))
            if "webhooks" in wanted:
                run.webhooks = _step(run, "webhooks", lambda: webhooks.run(
                    svc, args.events, workdir / "webhooks"))
            if "outbox" in wanted:
                run.outbox = _step(run, "outbox", lambda: outbox.run(
                    svc, args.emails, workdir / "outbox"))
            if "fail_fast" in wanted:
                run.fail_fast = _step(run, "fail_fast", lambda: pages.fail_fast(
                    svc, status_path, args.seconds, args.warmup))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    run.duration_s = time.monotonic() - clock
    run.machine["load average at end (1/5/15 min)"] = machine.load_average()
    report.write(args.output, run)
    if args.json:
        args.json.write_text(json.dumps(_plain(dataclasses.asdict(run)), default=str, indent=1))
    print(f"bench: wrote {args.output}" + (f"; failed: {', '.join(run.failures)}" if run.failures else ""))
    return 1 if run.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
