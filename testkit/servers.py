"""Real, throwaway PostgreSQL and Redis servers on free loopback ports.

The failure tests stop these servers in the middle of work and start them again, so each
server keeps its port (and its data) across stop()/start(). Starting waits for the server
to really answer, with a bounded deadline, instead of sleeping and hoping. PostgreSQL lives
in postgres.py; it is imported from here so tests need one import path.
"""
from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import redis

from testkit.postgres import PostgresServer  # noqa: F401 - re-exported
from testkit.process import START_DEADLINE_S, free_port, tail, track  # noqa: F401


class RedisServer:
    """redis-server with no persistence on 127.0.0.1, restartable on the same port."""

    def __init__(self, base_dir, port: int | None = None):
        self.base_dir = Path(base_dir)
        self.base_dir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.log_file = self.base_dir / "redis.log"
        self._proc: subprocess.Popen | None = None
        track(self)

    def start(self) -> "RedisServer":
        if self.is_running():
            return self
        binary = shutil.which("redis-server")
        if not binary:
            raise RuntimeError("redis-server is not installed (apt-get install -y redis-server)")
        self._proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.base_dir), "--logfile", str(self.log_file),
             "--daemonize", "no"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._wait_for_ping()
        return self

    def _wait_for_ping(self) -> None:
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_timeout=1,
                             socket_connect_timeout=1)
        deadline = time.monotonic() + START_DEADLINE_S
        try:
            while True:
                try:
                    if client.ping():
                        return
                except redis.ConnectionError:
                    pass
                if self._proc.poll() is not None or time.monotonic() > deadline:
                    self.kill()
                    raise RuntimeError(f"redis-server did not start:\n{tail(self.log_file)}")
                time.sleep(0.02)
        finally:
            client.close()

    def stop(self) -> None:
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.terminate()
                try:
                    self._proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self._proc.kill()
                    self._proc.wait(timeout=10)
            self._proc = None

    def kill(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait(timeout=10)
            self._proc = None

    def restart(self) -> "RedisServer":
        self.stop()
        return self.start()

    def is_running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def cleanup(self) -> None:
        self.stop()

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"
