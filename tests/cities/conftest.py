"""Fixtures for the city registry tests: a copy of the data files the test may break."""
import json
import shutil
from pathlib import Path

import pytest

from app.cities.loader import DATA_DIR

CLOSED_PORT_DB = "postgresql+psycopg://x@127.0.0.1:1/none"  # nothing listens on port 1


@pytest.fixture
def data_dir(tmp_path) -> Path:
    """A private copy of app/cities/data (tests edit or break files here, never the real ones)."""
    target = tmp_path / "cities"
    shutil.copytree(DATA_DIR, target)
    return target


@pytest.fixture
def city_app(app_factory, data_dir):
    """An app reading its cities from `data_dir`."""
    app = app_factory()
    app.config["CITIES_DATA_DIR"] = str(data_dir)
    return app


def read_city(directory: Path, slug: str) -> dict:
    return json.loads((directory / f"{slug}.json").read_text())


def write_city(directory: Path, slug: str, data: dict) -> None:
    (directory / f"{slug}.json").write_text(json.dumps(data))
