"""scripts/bench: the hardened app next to a bare Flask baseline, in one run.

Both run under gunicorn with the same settings against the same PostgreSQL; wrk drives
them from a second process. Timed figures are reported as ratios against the baseline
measured in the same run, because the machines are noisy. Results go to
docs/benchmarks.md.
"""
from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

import requests

from bench import wrk
from bench.sections import extra_sections
from tests.chaos.gunicorn_app import GunicornApp, free_port
from tests.support.servers import PostgresServer

ROOT = Path(__file__).resolve().parent.parent
SECONDS = int(os.environ.get("BENCH_SECONDS", "8"))
NO_LIMITS = {f"RATELIMIT_{n}": "100000000/minute" for n in
             ("PUBLIC", "API_READS", "APPEAL_WRITES", "WEBHOOK")}


def seed_appeal(app: GunicornApp) -> str:
    code = ("from app import create_app; from app.extensions import db; from app.models import Appeal;"
            "app = create_app();\nwith app.app_context():\n"
            " a = Appeal(city_slug='sf', citation_number='912345678', status='letter_ready',"
            " letter_text='Dear Sir or Madam,', letter_source='template', letter_version=1);"
            " db.session.add(a); db.session.commit(); print(a.public_id)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=app.env, capture_output=True,
                         text=True, timeout=60, check=True)
    return out.stdout.strip().splitlines()[-1]


def start_bare(workdir: Path, database_url: str, fixtures: Path, hardened: GunicornApp) -> subprocess.Popen:
    port = free_port()
    env = {**os.environ, "BENCH_FIXTURES": str(fixtures), "BENCH_DATABASE_URL": database_url,
           "WEB_CONCURRENCY": hardened.env["WEB_CONCURRENCY"],
           "GUNICORN_THREADS": hardened.env["GUNICORN_THREADS"], "BIND": f"127.0.0.1:{port}",
           "PROMETHEUS_MULTIPROC_DIR": str(workdir / "bare-prom")}
    process = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c",
                                "gunicorn.conf.py", "bench.bare_app:app"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    process.url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if requests.get(process.url + "/health", timeout=1).ok:
                return process
        except requests.RequestException:
            pass
        subprocess.run(["sleep", "0.1"])
    raise RuntimeError("bare app did not start")


def throughput(hardened: GunicornApp, bare_url: str, public_id: str) -> list[dict]:
    rows = []
    for label, path in (("/health", "/health"), ("/api/public/cities/sf", "/api/public/cities/sf"),
                        ("appeal status page", f"/appeals/{public_id}")):
        wrk.run(hardened.url + path, seconds=2)  # warm both before measuring
        wrk.run(bare_url + path, seconds=2)
        h = wrk.run(hardened.url + path, seconds=SECONDS)
        b = wrk.run(bare_url + path, seconds=SECONDS)
        rows.append({"what": label, "hardened": h, "bare": b, "ratio": h["rps"] / b["rps"]})
    return rows


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="fct-bench-") as tmp:
        tmp = Path(tmp)
        os.chmod(tmp, 0o755)
        postgres = PostgresServer(tmp / "pg")
        postgres.start()
        postgres.create_database("bench")
        hardened = GunicornApp(tmp / "web", {"DATABASE_URL": postgres.url("bench"), **NO_LIMITS},
                               workers=2, threads=4)
        bare = None
        try:
            hardened.start()
            public_id = seed_appeal(hardened)
            fixtures = tmp / "fixtures"
            fixtures.mkdir()
            (fixtures / "health.json").write_bytes(requests.get(hardened.url + "/health").content)
            (fixtures / "city_sf.json").write_bytes(
                requests.get(hardened.url + "/api/public/cities/sf").content)
            (fixtures / "status.html").write_bytes(
                requests.get(f"{hardened.url}/appeals/{public_id}").content)
            bare = start_bare(tmp, postgres.url("bench"), fixtures, hardened)
            results = {"throughput": throughput(hardened, bare.url, public_id)}
            results.update(extra_sections(hardened, postgres, tmp))
        finally:
            if bare is not None:
                os.killpg(bare.pid, 15)
            hardened.stop()
            postgres.stop()
    write_report(results)


def write_report(results: dict) -> None:
    from bench.report import render

    path = ROOT / "docs" / "benchmarks.md"
    path.parent.mkdir(exist_ok=True)
    path.write_text(render(results, SECONDS))
    (ROOT / "docs" / "benchmarks.json").write_text(json.dumps(results, indent=2, default=str))
    print(path.read_text())


if __name__ == "__main__":
    main()
