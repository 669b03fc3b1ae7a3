"""podman with the suite's own configuration and storage, and containers run as Fly would.

Everything podman keeps (images, containers, its database and run-time files) lives under
one directory, so the suite never touches a system-wide podman. That directory is kept
between runs (STORAGE_HOME, outside the build context): the image's layers (apt, pip) are
built once and reused while the Dockerfile's inputs are unchanged. Runs at the same time
share it, as podman commands always may; each removes only its own containers and image
tag, and `forget_old()` drops what no run has used for a day.
The configuration is what this machine needs: runc with the cgroupfs manager (there is no
systemd to delegate cgroups) and no default ulimits (the VM refuses podman's default
nofile raise). Containers use the host's network, which is how they reach the suite's
PostgreSQL and Redis on 127.0.0.1.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

# Outside the working tree, so `podman build .` never walks it.
STORAGE_HOME = (Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
                / "fightcitytickets-tests" / "podman")
CONTAINERS_CONF = """\
[containers]
default_ulimits = []

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "none"
tmp_dir = "{home}/tmp"
"""
STORAGE_CONF = """\
[storage]
driver = "overlay"
graphroot = "{home}/storage"
runroot = "{home}/run"
"""


class PodmanError(RuntimeError):
    """A podman command failed; the message carries its output."""


class Podman:
    def __init__(self, home: Path = STORAGE_HOME):
        binary = shutil.which("podman")
        if not binary:
            raise PodmanError("podman is not installed (scripts/test installs it from "
                              "scripts/lib/debian-packages)")
        self.binary, self.home = binary, Path(home)
        self.home.mkdir(parents=True, exist_ok=True)
        _write_atomically(self.home / "containers.conf", CONTAINERS_CONF.format(home=self.home))
        _write_atomically(self.home / "storage.conf", STORAGE_CONF.format(home=self.home))
        self.env = {**os.environ, "CONTAINERS_CONF": str(self.home / "containers.conf"),
                    "CONTAINERS_STORAGE_CONF": str(self.home / "storage.conf")}

    def __call__(self, *args: str, timeout: float = 120, check: bool = True,
                 stdin=None) -> subprocess.CompletedProcess:
        done = subprocess.run([self.binary, *args], env=self.env, stdin=stdin,
                              capture_output=True, text=True, timeout=timeout)
        if check and done.returncode != 0:
            raise PodmanError(f"podman {' '.join(args[:3])} … failed ({done.returncode}):\n"
                              f"{done.stderr[-4000:]}{done.stdout[-4000:]}")
        return done

    def import_tarball(self, tarball: Path, name: str) -> None:
        with open(tarball, "rb") as stream:
            self("import", "-", name, stdin=stream, timeout=300)

    def image_size(self, name: str) -> int:
        return int(self("image", "inspect", "--format", "{{.Size}}", name).stdout)

    def run_once(self, image: str, command: list[str], env_file: Path,
                 timeout: float = 120) -> subprocess.CompletedProcess:
        """Run `command` in a fresh container to the end, as Fly runs a release command."""
        return self("run", "--rm", "--network", "host", "--env-file", str(env_file),
                    image, *command, timeout=timeout, check=False)

    def start(self, image: str, command: list[str], env_file: Path) -> str:
        """Start a long-running process (a Fly machine's process) in the background."""
        return self("run", "--detach", "--network", "host", "--env-file", str(env_file),
                    image, *command).stdout.strip()

    def is_running(self, container: str) -> bool:
        state = json.loads(self("container", "inspect", "--format", "{{json .State}}",
                                container).stdout)
        return bool(state.get("Running"))

    def logs(self, container: str) -> str:
        done = self("logs", container, check=False)
        return done.stdout + done.stderr

    def wait_for_log(self, container: str, text: str, timeout_s: float) -> str:
        """Poll (bounded) the container's output until `text` shows up; fail if it exits."""
        deadline = time.monotonic() + timeout_s
        while True:
            logs = self.logs(container)
            if text in logs:
                return logs
            if not self.is_running(container) or time.monotonic() > deadline:
                raise PodmanError(f"{text!r} never appeared in the output:\n{logs[-4000:]}")
            time.sleep(0.2)

    def remove(self, container: str) -> None:
        self("rm", "--force", "--time", "5", container, check=False, timeout=60)

    def has_image(self, name: str) -> bool:
        return self("image", "exists", name, check=False).returncode == 0

    def untag(self, name: str) -> None:
        """Drop this one name (alone, `podman untag IMAGE` drops all of the image's names);
        the layers stay as build cache until forget_old() removes them."""
        self("untag", name, name, check=False)

    def forget_old(self, stale_names: list[str]) -> None:
        """Untag `stale_names`, then remove what no run has made or used for a day: stopped
        containers of killed runs, untagged images (earlier days' bases and builds)."""
        for name in stale_names:
            self.untag(name)
        self("container", "prune", "--force", "--filter", "until=24h", check=False, timeout=300)
        self("image", "prune", "--force", "--filter", "until=24h", check=False, timeout=300)

    def names(self, repository: str) -> list[str]:
        listed = self("images", "--noheading", "--format", "{{.Repository}}:{{.Tag}}", repository)
        return listed.stdout.split()


def _write_atomically(path: Path, text: str) -> None:
    """Runs starting together write the same text; none may read a half-written file."""
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_text(text)
    os.replace(partial, path)
