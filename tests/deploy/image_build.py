"""The app image: the Dockerfile built from the working tree on the day's Debian base.

One build at a time per machine (a lock), so a build that finds another under way waits
for it and then gets every layer it made from podman's cache. scripts/test starts
`python -m tests.deploy.image_build` in the background before the suite, so debootstrap
and the apt and pip layers are made while the other tests run; the deploy tests' own
build then redoes only what changed in the working tree since.
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from tests.deploy import host_settings
from tests.deploy.base_image import base_image, cache_lock
from tests.deploy.podman import Podman

ROOT = Path(__file__).resolve().parents[2]
PREBUILT = "localhost/fightcitytickets:prebuilt"  # keeps the latest layers from being pruned


def build_image(podman: Podman, tag: str, workdir: Path,
                timings: dict[str, float]) -> tuple[str, str]:
    """Build the image as `tag`; its id and its base's name."""
    base = base_image(podman, timings)
    with cache_lock("build"):
        started = time.monotonic()
        podman("build", "--network", "host", "--pull=never", "--build-arg", f"BASE_IMAGE={base}",
               *host_settings.pip_build_secrets(workdir), "--tag", tag,
               "--iidfile", str(workdir / "image-id"),
               "--file", str(ROOT / "Dockerfile"), str(ROOT), timeout=1200)
        timings["build_s"] = round(time.monotonic() - started, 1)
    return (workdir / "image-id").read_text().strip(), base


if __name__ == "__main__":
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="fct-image-") as scratch:
        image_id, _ = build_image(Podman(), PREBUILT, Path(scratch), figures)
    print(f"{PREBUILT} {image_id.removeprefix('sha256:')[:12]}: {figures}", file=sys.stderr)
