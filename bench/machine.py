"""What the benchmarks ran on: CPU, cores and RAM from /proc, and software versions."""
from __future__ import annotations

import os
import platform
from importlib.metadata import version
from pathlib import Path

from bench import wrk


def _proc_field(path: str, name: str) -> str | None:
    try:
        for line in Path(path).read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == name:
                return value.strip()
    except OSError:
        pass
    return None


def load_average() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def describe() -> dict[str, str]:
    memory_kb = _proc_field("/proc/meminfo", "MemTotal") or "0 kB"
    return {
        "CPU": _proc_field("/proc/cpuinfo", "model name") or platform.processor() or "unknown",
        "cores": str(os.cpu_count()),
        "RAM": f"{int(memory_kb.split()[0]) / 1024 / 1024:.1f} GiB",
        "kernel": platform.release(),
        "load average at start (1/5/15 min)": load_average(),
    }


def software_versions() -> dict[str, str]:
    """Versions of what runs in-process; the servers' own versions come from services."""
    return {"Python": platform.python_version(), "Flask": version("flask"),
            "gunicorn": version("gunicorn"), "Werkzeug": version("werkzeug"),
            "SQLAlchemy": version("sqlalchemy"), "psycopg": version("psycopg"),
            "wrk": wrk.version()}
