"""Where a benchmarked path spends its time: py-spy sampling the gunicorn workers under load.

One py-spy per worker samples it during a wrk run of its own (never a measured one:
sampling costs CPU) and writes collapsed stacks. A worker's threads waiting for work are
left out (their innermost frame is the thread pool's queue). Of the rest, the samples inside
the Flask app (under `wsgi_app`) are charged to the first frame below Flask's own dispatch
machinery: the view, a before/after/teardown hook, the session or the response. Those are
the frames the hardening adds or changes, so their shares (of the samples inside the app)
say where the app's time per request goes; `app_share` is the app's part of the busy
samples, the rest being gunicorn's own work (parsing, writing, keep-alive).
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
    samples: int  # busy samples, all threads of all workers
    top: list[Frame]
    app_share: float = 0.0  # of the busy samples, inside the Flask app


def _function(frame: str) -> str:
    """`render (flask/templating.py:150)` -> `render (flask/templating.py)`, shortened."""
    name, _, where = frame.partition(" (")
    file = where.rsplit(":", 1)[0].rstrip(")")
    for marker in ("site-packages/", "/lib/python3", "/work/main/"):
        if marker in file:
            file = file.split(marker, 1)[1]
    return f"{name} ({file})"


IDLE_LEAVES = ("_worker (concurrent/futures/thread.py)", "wait (threading.py)",
               "select (selectors.py)")
APP_ROOT = "wsgi_app (flask/app.py)"
DISPATCH_FILES = ("(flask/app.py)", "(flask/ctx.py)")


def top_frames(collapsed: str, top: int = TOP) -> tuple[int, float, list[Frame]]:
    """Busy samples, the app's share of them, and the `top` frames inside the app."""
    charged: Counter = Counter()
    busy = in_app = 0
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [_function(frame) for frame in stack.split(";")]
        if frames[-1] in IDLE_LEAVES:
            continue
        busy += int(count)
        if APP_ROOT not in frames:
            continue
        in_app += int(count)
        below = frames[frames.index(APP_ROOT):]
        outside = [f for f in below if not f.endswith(DISPATCH_FILES)]
        charged[outside[0] if outside else below[-1]] += int(count)
    frames = [Frame(name, n / in_app) for name, n in charged.most_common(top)] if in_app else []
    return busy, (in_app / busy if busy else 0.0), frames


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
    samples, app_share, frames = top_frames("\n".join(collapsed))
    return Profile(path, samples, frames, app_share)
