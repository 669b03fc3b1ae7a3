"""The image's base, made from Debian's own packages: there is no image registry here.

`debootstrap --variant=minbase bookworm` from this machine's Debian mirror, with the same
mirror's updates and security sources written in, packed as a tarball and imported into
podman. The tarball is cached under tests/deploy/.cache/ (gitignored), keyed by the date,
so the suite pays for debootstrap once a day and still picks up Debian's updates. Runs
starting together make it once: the others wait for it on a lock. The imported image
stays in the suite's podman storage (kept between runs too) under a name with the date.
"""
from __future__ import annotations

import contextlib
import datetime
import fcntl
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from tests.deploy import host_settings
from tests.deploy.podman import Podman

CACHE_DIR = Path(__file__).resolve().parent / ".cache"
BASE_REPOSITORY = "localhost/fct-base"
DEBOOTSTRAP_TIMEOUT_S = 900


def base_image(podman: Podman, timings: dict[str, float]) -> str:
    """The name of a Debian bookworm minbase image in `podman`, made or taken from the cache."""
    today = datetime.date.today().isoformat()
    tarball = CACHE_DIR / f"debian-{host_settings.SUITE}-minbase-{today}.tar"
    with cache_lock("base"):
        started = time.monotonic()
        if not tarball.exists():
            _debootstrap_tarball(tarball)
            timings["debootstrap_s"] = round(time.monotonic() - started, 1)
            # Earlier days' bases, and what runs killed half-way on those days left behind.
            for old in CACHE_DIR.glob("*debian-*-minbase-*"):
                if today not in old.name:
                    old.unlink(missing_ok=True)
        name = f"{BASE_REPOSITORY}:{host_settings.SUITE}-{today}"
        if not podman.has_image(name):
            started = time.monotonic()
            podman.import_tarball(tarball, name)
            timings["base_import_s"] = round(time.monotonic() - started, 1)
        # A build that started yesterday may still use yesterday's base: older ones go.
        yesterday = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()
        podman.forget_old([old for old in podman.names(BASE_REPOSITORY)
                           if not old.endswith((today, yesterday))])
    return name


@contextlib.contextmanager
def cache_lock(name: str) -> Iterator[None]:
    """Held while one run makes something the others then take from the cache; the kernel
    releases it when the file closes, or when the run dies."""
    CACHE_DIR.mkdir(exist_ok=True)
    with open(CACHE_DIR / f".{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _debootstrap_tarball(tarball: Path) -> None:
    if os.geteuid() != 0:
        raise RuntimeError("debootstrap needs root to make the base image (run scripts/test as root)")
    debootstrap = shutil.which("debootstrap") or shutil.which("debootstrap", path="/usr/sbin")
    if not debootstrap:
        raise RuntimeError("debootstrap is not installed (scripts/test installs it from "
                           "scripts/lib/debian-packages)")
    with tempfile.TemporaryDirectory(prefix="fct-rootfs-") as workdir:
        rootfs = Path(workdir) / "rootfs"
        done = subprocess.run(
            [debootstrap, "--variant=minbase", host_settings.SUITE, str(rootfs),
             host_settings.debian_mirror()],
            capture_output=True, text=True, timeout=DEBOOTSTRAP_TIMEOUT_S)
        if done.returncode != 0:
            raise RuntimeError(f"debootstrap failed ({done.returncode}):\n{done.stdout[-3000:]}"
                               f"{done.stderr[-3000:]}")
        (rootfs / "etc/apt/sources.list").write_text(host_settings.sources_list())
        # Downloaded packages and indexes would only make every layer above bigger.
        for leftover in [*rootfs.glob("var/cache/apt/archives/*.deb"),
                         *rootfs.glob("var/lib/apt/lists/*_*")]:
            leftover.unlink()
        # Two runs starting the same day each write their own file; the last rename wins.
        partial = CACHE_DIR / f".{tarball.name}.{os.getpid()}.partial"
        subprocess.run(["tar", "-C", str(rootfs), "--numeric-owner", "-cf", str(partial), "."],
                       check=True, capture_output=True, timeout=300)
        os.replace(partial, tarball)  # a run killed half-way never leaves a broken cache
