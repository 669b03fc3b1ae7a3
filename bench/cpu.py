"""CPU seconds used by process trees, read from /proc: where a benchmark's CPU went.

Only processes alive at both readings count (a worker that exits in between is missed);
the trees measured here (gunicorn, PostgreSQL with its pooled backends) keep theirs.
"""
from __future__ import annotations

import os
from pathlib import Path

TICKS_PER_S = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str] | None:
    try:
        # The command name (field 2) may hold spaces; everything after its ")" splits cleanly.
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _parents() -> dict[int, int]:
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (fields := _stat_fields(int(entry))):
            parents[int(entry)] = int(fields[1])
    return parents


def tree_seconds(root_pid: int) -> float:
    """User + system CPU seconds of `root_pid` and all its live descendants."""
    parents = _parents()
    tree, frontier = {root_pid}, [root_pid]
    while frontier:  # bounded: each pid joins the tree once
        parent = frontier.pop()
        children = [pid for pid, ppid in parents.items() if ppid == parent and pid not in tree]
        tree.update(children)
        frontier.extend(children)
    total = 0
    for pid in tree:
        if fields := _stat_fields(pid):
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS_PER_S


def postmaster_pid(data_dir: Path) -> int:
    return int((data_dir / "postmaster.pid").read_text().split()[0])


def own_seconds() -> float:
    """This process (all its threads)."""
    times = os.times()
    return times.user + times.system


def children_seconds() -> float:
    """Child processes of this one that have exited and been waited for."""
    times = os.times()
    return times.children_user + times.children_system


def rss_mib(pid: int) -> float | None:
    """Resident memory of one process (VmRSS), in MiB; None when it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None
