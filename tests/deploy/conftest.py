"""Fixtures for the deployment tests: the image built once per run, and production settings.

The image is built from the working tree with the Dockerfile, on a Debian base made here
(base_image.py), exactly once per test session; its build time and size are written to
test-artifacts/deploy/image.json. podman keeps its layers between runs (podman.py): a
run whose requirements and Debian packages are unchanged rebuilds only the app's layers.
Tests run the image by its id, so another run tagging a newer build cannot swap it.
"""
from __future__ import annotations

import json
import os
import secrets
import shlex
import time
import tomllib
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.deploy.image_build import build_image
from tests.deploy.podman import Podman
from testkit.process import free_port, refused_url

ROOT = Path(__file__).resolve().parents[2]
IMAGE = f"localhost/fightcitytickets:test-{os.getpid()}"  # this run's build
PUBLIC_HOST = "fightcitytickets.test"


def pytest_collection_modifyitems(items):
    """The deploy tests last: scripts/test builds the image in the background meanwhile."""
    here = Path(__file__).parent
    items.sort(key=lambda item: Path(item.path).is_relative_to(here))  # stable: order kept


@pytest.fixture(scope="session")
def podman():
    return Podman()


@pytest.fixture(scope="session")
def app_image(podman, tmp_path_factory, artifacts_dir) -> Iterator[str]:
    timings: dict[str, float] = {}
    started = time.monotonic()
    image_id, base = build_image(podman, IMAGE, tmp_path_factory.mktemp("build"), timings)
    timings["fixture_s"] = round(time.monotonic() - started, 1)  # with a wait for a prebuild
    figures = {**timings, "image_mb": round(podman.image_size(image_id) / 1e6, 1),
               "base_mb": round(podman.image_size(base) / 1e6, 1)}
    (artifacts_dir / "deploy").mkdir(exist_ok=True)
    (artifacts_dir / "deploy" / "image.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(f"\nimage {IMAGE}: {figures}")
    yield image_id
    podman.untag(IMAGE)  # the layers stay: the next run's build starts from them


@pytest.fixture(scope="session")
def fly() -> dict:
    with open(ROOT / "fly.toml", "rb") as stream:
        return tomllib.load(stream)


@pytest.fixture(scope="session")
def fly_checks(fly) -> dict[str, dict]:
    """fly.toml's HTTP checks of the web process, by path."""
    return {check["path"]: check for check in fly["http_service"]["checks"]}


@pytest.fixture(scope="session")
def fly_commands(fly) -> dict[str, list[str]]:
    """The commands Fly runs from the image: the release step and each process."""
    return {"release": shlex.split(fly["deploy"]["release_command"]),
            **{name: shlex.split(command) for name, command in fly["processes"].items()}}


@pytest.fixture
def empty_database(postgres) -> str:
    """A new, empty PostgreSQL database: nothing is migrated until the release step runs."""
    name = f"deploy_{uuid.uuid4().hex[:10]}"
    postgres.create_database(name)
    yield f"postgresql://postgres@127.0.0.1:{postgres.port}/{name}"
    postgres.drop_database(name)


@pytest.fixture
def production_env(fly, empty_database, redis_url) -> dict[str, str]:
    """fly.toml's [env] plus the secrets `fly secrets set` would give a real deployment on
    its own domain (README, Deploy): the domain and the app's Fly host are trusted.

    PORT is a free port: with the host's network, 8080 may be taken. Stripe is pointed at a
    port nothing listens on, so nothing here can reach the real Stripe.
    """
    return {**fly["env"], "PORT": str(free_port()),
            "SECRET_KEY": secrets.token_urlsafe(48), "DATABASE_URL": empty_database,
            "REDIS_URL": redis_url, "PUBLIC_BASE_URL": f"https://{PUBLIC_HOST}",
            "TRUSTED_HOSTS": f"{PUBLIC_HOST},{fly['app']}.fly.dev",
            "STRIPE_SECRET_KEY": "sk_test_deploy", "STRIPE_PUBLISHABLE_KEY": "pk_test_deploy",
            "STRIPE_WEBHOOK_SECRET": "whsec_deploy", "STRIPE_API_BASE": refused_url(),
            "HEALTH_TOKEN": secrets.token_urlsafe(24), "METRICS_TOKEN": secrets.token_urlsafe(24)}


@pytest.fixture
def env_file(tmp_path):
    """Write settings as a podman --env-file (so secrets stay off command lines)."""
    def write(env: dict[str, str]) -> Path:
        path = tmp_path / f"env-{uuid.uuid4().hex[:6]}"
        path.write_text("".join(f"{key}={value}\n" for key, value in env.items()))
        return path
    return write
