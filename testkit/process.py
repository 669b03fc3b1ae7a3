"""Plumbing shared by the real servers: free ports, log tails, and an exit-time safety net.

Every server registers itself with `track()`; when the test process exits, anything still
running is stopped (and its temp files removed), so a failed or interrupted test run never
leaves a PostgreSQL or Redis behind.
"""
from __future__ import annotations

import atexit
import socket
from pathlib import Path

START_DEADLINE_S = 60.0
_LIVE: list = []  # every server made, for the atexit safety net


def track(server) -> None:
    _LIVE.append(server)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def refused_url() -> str:
    """An http URL on a loopback port nothing listens on: a dependency refusing connections."""
    return f"http://127.0.0.1:{free_port()}"


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@atexit.register
def _stop_leftovers() -> None:
    """A safety net: nothing started here outlives the test process."""
    for server in list(_LIVE):
        try:
            server.cleanup()
        except Exception:  # noqa: BLE001 - best effort at interpreter exit
            pass
