"""A real, throwaway PostgreSQL 15 cluster on a free loopback port.

The failure tests stop the database in the middle of work and start it again, so the
cluster keeps its port and its data across stop()/start(); start() waits until it really
accepts connections, with a bounded deadline.
"""
from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql

from testkit.process import START_DEADLINE_S, free_port, tail, track


def _pg_binary(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/lib/postgresql/15/bin")
    if not found:
        raise RuntimeError(f"PostgreSQL binary {name!r} not found on PATH or in "
                           "/usr/lib/postgresql/15/bin (install postgresql-15)")
    return found


class PostgresServer:
    """A PostgreSQL 15 cluster for tests: trust auth, fsync off, 127.0.0.1 only.

    PostgreSQL refuses to run as root, so under root the cluster lives in its own
    directory under the system temp dir, owned by the `postgres` OS user (pytest's
    temp dirs are private to root), and every command goes through `runuser`.
    Call cleanup() to stop it and remove that directory (an atexit hook does it too).
    """

    def __init__(self, base_dir, port: int | None = None):
        self.base_dir = Path(base_dir)
        self.base_dir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self._as_root = os.geteuid() == 0
        if self._as_root:
            self._owner = _postgres_user()
            self.cluster_dir = Path(tempfile.mkdtemp(prefix="fct-pg-"))
            os.chown(self.cluster_dir, *self._owner)
        else:
            self.cluster_dir = self.base_dir
        self.data_dir = self.cluster_dir / "data"
        self.socket_dir = self.cluster_dir / "sock"
        self.log_file = self.cluster_dir / "postgres.log"
        track(self)

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", "postgres", "--"] if self._as_root else []
        done = subprocess.run(prefix + list(args), cwd=self.cluster_dir, capture_output=True,
                              text=True, timeout=START_DEADLINE_S + 30)
        if check and done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr}{done.stdout}")
        return done

    def _init_cluster(self) -> None:
        self._run(_pg_binary("initdb"), "-D", str(self.data_dir), "-A", "trust", "-U", "postgres",
                  "--no-sync", "-E", "UTF8", "--locale=C")
        self.socket_dir.mkdir(exist_ok=True)
        if self._as_root:
            os.chown(self.socket_dir, *self._owner)
        settings = {"listen_addresses": "'127.0.0.1'", "port": str(self.port),
                    "unix_socket_directories": f"'{self.socket_dir}'", "fsync": "off",
                    "synchronous_commit": "off", "full_page_writes": "off",
                    "max_connections": "200"}
        with open(self.data_dir / "postgresql.conf", "a") as conf:  # root keeps the owner
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())

    def start(self) -> "PostgresServer":
        if not (self.data_dir / "PG_VERSION").exists():
            self._init_cluster()
        if not self.is_running():
            done = self._run(_pg_binary("pg_ctl"), "-D", str(self.data_dir), "-l", str(self.log_file),
                             "-w", "-t", str(int(START_DEADLINE_S)), "start", check=False)
            if done.returncode != 0:
                raise RuntimeError(f"PostgreSQL did not start:\n{done.stderr}\n{tail(self.log_file)}")
        self._wait_until_accepting()
        return self

    def _wait_until_accepting(self) -> None:
        deadline = time.monotonic() + START_DEADLINE_S
        while True:
            try:
                with psycopg.connect(self.dsn(), connect_timeout=2):
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"PostgreSQL not accepting connections:\n{tail(self.log_file)}")
                time.sleep(0.05)

    def stop(self, mode: str = "fast") -> None:
        if self.data_dir.exists() and self.is_running():
            self._run(_pg_binary("pg_ctl"), "-D", str(self.data_dir), "-m", mode, "-w", "stop")

    def kill(self) -> None:
        """Stop without a clean shutdown (the next start runs crash recovery)."""
        self.stop(mode="immediate")

    def restart(self) -> "PostgresServer":
        self.stop()
        return self.start()

    def is_running(self) -> bool:
        if not (self.data_dir / "PG_VERSION").exists():
            return False
        return self._run(_pg_binary("pg_ctl"), "-D", str(self.data_dir), "status",
                         check=False).returncode == 0

    def cleanup(self) -> None:
        """Stop the server and, under root, remove the cluster directory."""
        self.stop()
        if self._as_root:
            shutil.rmtree(self.cluster_dir, ignore_errors=True)

    def dsn(self, dbname: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={dbname}"

    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, name: str, template: str | None = None) -> None:
        query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            query += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(query)

    def drop_database(self, name: str) -> None:
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _postgres_user() -> tuple[int, int]:
    """(uid, gid) of the `postgres` OS user, creating the user when it is missing."""
    try:
        entry = pwd.getpwnam("postgres")
    except KeyError:
        subprocess.run(["useradd", "--system", "postgres"], check=True, capture_output=True)
        entry = pwd.getpwnam("postgres")
    return entry.pw_uid, entry.pw_gid
