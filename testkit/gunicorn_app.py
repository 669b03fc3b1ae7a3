"""The real app under gunicorn with several workers, for drills and benchmarks."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from testkit.process import free_port

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent


class GunicornApp:
    def __init__(self, workdir: Path, env: dict[str, str], workers: int = 2, threads: int = 4,
                 wsgi: str = "wsgi:app", migrate: bool = True):
        self.workdir = Path(workdir)
        self.wsgi, self.migrate = wsgi, migrate
        self.port = free_port()
        self.env = {**os.environ, "APP_ENV": "test", "SECRET_KEY": "drill-secret",
                    "SCHEDULER_MODE": "off", "INSTANCE_PATH": str(self.workdir / "instance"),
                    "PROMETHEUS_MULTIPROC_DIR": str(self.workdir / "prometheus"),
                    "WEB_CONCURRENCY": str(workers), "GUNICORN_THREADS": str(threads),
                    "BIND": f"127.0.0.1:{self.port}", "PYTHONUNBUFFERED": "1", **env}
        self.process: subprocess.Popen | None = None
        self.log = self.workdir / "gunicorn.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def flask(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(VENV_BIN / "flask"), "--app", "app:create_app", *args],
                              cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=120)

    def start(self, timeout_s: float = 30) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        if self.migrate:
            upgrade = self.flask("db", "upgrade")
            assert upgrade.returncode == 0, upgrade.stderr
        self.process = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "-c", "gunicorn.conf.py", self.wsgi],
            cwd=ROOT, env=self.env, stdout=self.log.open("wb"), stderr=subprocess.STDOUT,
            start_new_session=True)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log.read_text()[-2000:]}")
            try:
                if requests.get(self.url + "/health", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise TimeoutError("gunicorn did not answer /health in time")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def worker_pids(self) -> set[int]:
        return {int(pid) for pid in re.findall(r"Booting worker with pid: (\d+)", self.log_text())}

    def access_lines(self) -> list[dict]:
        """The app's JSON access lines so far (LOG_LEVEL=info)."""
        lines = []
        for line in self.log_text().splitlines():
            if line.startswith("{") and '"message": "request"' in line:
                try:
                    lines.append(json.loads(line))
                except json.JSONDecodeError:
                    pass  # the line is still being written
        return lines

    def warm_every_worker(self, path: str, attempts: int = 300) -> None:
        """GET `path` on fresh connections until every worker has answered it with a 200
        (what a worker keeps in its own memory, like the appeal snapshots, is then there)."""
        # Matched by request id: the logged path hides the appeal id it may carry.
        marker = f"warm-{time.monotonic_ns()}-"
        for attempt in range(attempts):
            requests.get(self.url + path, timeout=10,
                         headers={"Connection": "close", "X-Request-ID": f"{marker}{attempt}"})
            served = {line["pid"] for line in self.access_lines()
                      if str(line.get("request_id")).startswith(marker) and line.get("status") == 200}
            if served >= self.worker_pids():
                return
        raise AssertionError(f"not every worker answered {path} in {attempts} requests")
