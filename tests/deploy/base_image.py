"""The image's base, made from Debian's own packages: there is no image registry here.

`debootstrap --variant=minbase bookworm` from this machine's Debian mirror, with the same
mirror's updates and security sources written in, packed as a tarball and imported into
podman. The tarball is cached under tests/deploy/.cache/ (gitignored), keyed by the date,
so the suite pays for debootstrap once a day and still picks up Debian's updates.
"""
from __future__ import annotations

import datetime
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from tests.deploy import host_settings
from tests.deploy.podman import Podman

CACHE_DIR = Path(__file__).resolve().parent / ".cache"
DEBOOTSTRAP_TIMEOUT_S = 900


def base_image(podman: Podman, timings: dict[str, float]) -> str:
    """The name of a Debian bookworm minbase image in `podman`, made or taken from the cache."""
    today = datetime.date.today().isoformat()
    tarball = CACHE_DIR / f"debian-{host_settings.SUITE}-minbase-{today}.tar"
    if not tarball.exists():
        started = time.monotonic()
        _debootstrap_tarball(tarball)
        timings["debootstrap_s"] = round(time.monotonic() - started, 1)
        # Earlier days' bases, and what runs killed half-way on those days left behind.
        for old in CACHE_DIR.glob("*debian-*-minbase-*"):
            if today not in old.name:
                old.unlink(missing_ok=True)
    name = f"localhost/fct-base:{host_settings.SUITE}-{today}"
    started = time.monotonic()
    podman.import_tarball(tarball, name)
    timings["base_import_s"] = round(time.monotonic() - started, 1)
    return name


def _debootstrap_tarball(tarball: Path) -> None:
    if os.geteuid() != 0:
        raise RuntimeError("debootstrap needs root to make the base image (run scripts/test as root)")
    debootstrap = shutil.which("debootstrap") or shutil.which("debootstrap", path="/usr/sbin")
    if not debootstrap:
        raise RuntimeError("debootstrap is not installed (scripts/test installs it from "
                           "scripts/lib/debian-packages)")
    CACHE_DIR.mkdir(exist_ok=True)
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
