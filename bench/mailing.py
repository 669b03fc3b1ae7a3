"""Letters handed to the Lob stand-in per second by the `mail_letters` job (target ≥ 20/s).

    python -m bench.mailing [LETTERS]      # default 200

The real path, on PostgreSQL and Redis: LETTERS signed, paid appeals (set-up, not timed),
then the real job runs (`run_job`, as `flask jobs run-once mail_letters` does: its Redis
lock and run record) until every letter is mailed: it opens a `letters` row per appeal,
claims each with FOR UPDATE SKIP LOCKED, prints its PDF (`letter_pdf_for`, a typed
signature and no photos), posts it through the `mail` breaker to the stand-in and records
the answer. The stand-in (testkit/fakes/lob_api.py) runs in a child process so it does not
compete with the job for this process's interpreter lock. Reported beside the rate: the
job's CPU time per letter and the PDF's share of it, measured on the same appeals after
the run, because this machine's two cores are shared (see the load average).
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import func, select

from app.extensions import db
from app.fulfilment.appeal_letter import letter_pdf_for
from app.jobs.runner import run_job
from app.models import Appeal, Letter
from bench.machine import load_average
from bench.services import build_app, dispose_engine
from testkit.gunicorn_app import ROOT
from testkit.mailing import LOB_KEY, paid_appeal
from testkit.postgres import PostgresServer
from testkit.servers import RedisServer

MAILING_DB = "bench_mailing"
TARGET_PER_S = 20.0
STAND_IN = f"""
import sys
from testkit.fakes.lob_api import LobAPIServer
lob = LobAPIServer(api_key={LOB_KEY!r}).start()
print("port", lob.port, flush=True)
for line in sys.stdin:
    print(lob.letter_count(), flush=True)
lob.stop()
"""


@dataclass
class MailingResult:
    letters: int
    seconds: float
    runs: int
    cpu_s: float
    pdf_cpu_ms: float
    load: str
    checks: list[tuple[str, bool]] = field(default_factory=list)

    @property
    def per_s(self) -> float:
        return self.letters / self.seconds

    @property
    def meets_target(self) -> bool:
        return self.per_s >= TARGET_PER_S


class LobStandIn:
    """The Lob stand-in as a child process; `with LobStandIn() as lob:` stops it on exit."""

    def __enter__(self) -> "LobStandIn":
        self.process = subprocess.Popen([sys.executable, "-c", STAND_IN], cwd=ROOT,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        first = self.process.stdout.readline()
        if not first.startswith("port "):
            self.__exit__()
            raise RuntimeError(f"the Lob stand-in did not start: {first!r}")
        self.api_base = f"http://127.0.0.1:{int(first.split()[1])}/v1"
        return self

    def letter_count(self) -> int:
        self.process.stdin.write("count\n")
        self.process.stdin.flush()
        return int(self.process.stdout.readline())

    def __exit__(self, *exc_info) -> None:
        self.process.stdin.close()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)


def run(postgres: PostgresServer, redis_url: str, count: int, workdir: Path) -> MailingResult:
    postgres.create_database(MAILING_DB)
    with LobStandIn() as lob:
        app = build_app({"DATABASE_URL": postgres.url(MAILING_DB), "REDIS_URL": redis_url,
                         "MAIL_BACKEND": "lob", "LOB_API_KEY": LOB_KEY, "LOB_API_BASE": lob.api_base,
                         "LOB_WEBHOOK_SECRET": "bench"}, workdir / "instance")
        try:
            with app.app_context():
                upgrade()
            for i in range(count):
                paid_appeal(app, email=f"driver{i}@example.com")
            seconds, runs, cpu_s = mail_all(app, count)
            made = lob.letter_count()
            statuses = mailed_statuses(app)
            pdf_cpu_ms = pdf_cpu_per_letter(app, min(count, 20))
        finally:
            dispose_engine(app)
    return MailingResult(count, seconds, runs, cpu_s, pdf_cpu_ms, load_average(), checks=[
        ("every letter mailed", statuses == {"mailed": count}),
        ("the stand-in holds one letter per appeal", made == count),
    ])


def mail_all(app: Flask, count: int) -> tuple[float, int, float]:
    """Run the job until every letter is mailed (bounded); (seconds, runs, CPU seconds)."""
    runs = 0
    wall, cpu = time.perf_counter(), time.process_time()
    while runs < 10 and mailed_statuses(app).get("mailed", 0) < count:
        assert run_job(app, "mail_letters") == "ok"
        runs += 1
    return time.perf_counter() - wall, runs, time.process_time() - cpu


def mailed_statuses(app: Flask) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(select(Letter.status, func.count()).group_by(Letter.status))
        return dict(rows.all())


def pdf_cpu_per_letter(app: Flask, samples: int) -> float:
    with app.app_context():
        appeals = db.session.execute(select(Appeal).limit(samples)).scalars().all()
        cpu = time.process_time()
        for appeal in appeals:
            letter_pdf_for(appeal, date.today())
        return (time.process_time() - cpu) * 1000 / len(appeals)


def main(argv: list[str]) -> int:
    count = int(argv[0]) if argv else 200
    with tempfile.TemporaryDirectory(prefix="fct-bench-mailing-") as folder:
        workdir = Path(folder)
        postgres, redis_server = PostgresServer(workdir / "postgres"), RedisServer(workdir / "redis")
        try:
            postgres.start()
            redis_server.start()
            result = run(postgres, redis_server.url(), count, workdir)
        finally:
            redis_server.stop()
            postgres.stop()
            postgres.cleanup()
    print(json.dumps({"letters": result.letters, "seconds": round(result.seconds, 2),
                      "letters_per_s": round(result.per_s, 1), "job_runs": result.runs,
                      "job_cpu_ms_per_letter": round(result.cpu_s * 1000 / result.letters, 1),
                      "pdf_cpu_ms_per_letter": round(result.pdf_cpu_ms, 1),
                      "target_per_s": TARGET_PER_S, "meets_target": result.meets_target,
                      "load_average": result.load, "checks": result.checks}, indent=1))
    return 0 if all(ok for _, ok in result.checks) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
