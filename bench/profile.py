"""Where a benchmarked path spends its time: py-spy sampling the gunicorn workers under load.

`py-spy record --subprocesses` attaches to the gunicorn master and every worker for one wrk
run of its own (never a measured one: sampling costs CPU) and writes collapsed stacks.
Idle threads (waiting in select/poll for the next request) are not sampled, so every sample
is a thread doing work. A frame's cost is its *self* samples (the innermost frame of a
stack), added up per function across lines; `top_frames` returns the most expensive ones
with their share of all samples.
"""
from __future__ import annotations

import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bench import wrk

PY_SPY = Path(sys.executable).parent / "py-spy"
RATE_HZ = 250
TOP = 5


@dataclass
class Frame:
    function: str  # "name (path)" without the line number
    share: float  # of all samples taken


@dataclass
class Profile:
    path: str
    samples: int
    top: list[Frame]


def _function(frame: str) -> str:
    """`render (flask/templating.py:150)` -> `render (flask/templating.py)`, shortened."""
    name, _, where = frame.partition(" (")
    file = where.rsplit(":", 1)[0].rstrip(")")
    for marker in ("site-packages/", "/lib/python3", "/work/main/"):
        if marker in file:
            file = file.split(marker, 1)[1]
    return f"{name} ({file})"


def top_frames(collapsed: str, top: int = TOP) -> tuple[int, list[Frame]]:
    """The `top` functions by self samples in py-spy's raw (collapsed) output."""
    self_samples: Counter = Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        total += int(count)
        self_samples[_function(stack.rsplit(";", 1)[-1])] += int(count)
    return total, [Frame(name, n / total) for name, n in self_samples.most_common(top)] if total else []


def profile(url: str, path: str, worker_pids: set[int], seconds: int, out_dir: Path) -> Profile:
    """One wrk run of `seconds` against `url` while py-spy samples each gunicorn worker
    (one py-spy per worker: its --subprocesses mode crashed on gunicorn here)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    spies = {}
    for pid in sorted(worker_pids):
        output = out_dir / f"{len(list(out_dir.iterdir()))}-{pid}.txt"
        spies[output] = subprocess.Popen(
            [str(PY_SPY), "record", "--pid", str(pid), "--rate", str(RATE_HZ),
             "--duration", str(seconds), "--format", "raw", "--output", str(output)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        wrk.run(url, seconds)
    finally:
        errors = {output: spy.communicate(timeout=seconds + 60)[1] for output, spy in spies.items()}
    collapsed = []
    for output, spy in spies.items():
        if spy.returncode != 0 or not output.exists():
            raise RuntimeError(f"py-spy on {output.name} failed ({spy.returncode}): {errors[output][-500:]}")
        collapsed.append(output.read_text())
    samples, frames = top_frames("\n".join(collapsed))
    return Profile(path, samples, frames)
