"""Reading city data files: a broken file is logged and skipped, never raised.

`load_directory` returns every valid city and the problems of the others; the registry
fills any gap with San Francisco. If even `sf.json` is broken, the built-in copy in
`app.cities.defaults` keeps the service answering.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from app.cities.defaults import SAN_FRANCISCO
from app.cities.model import City
from app.cities.schema import CityConfigError, parse_city

log = logging.getLogger(__name__)
DATA_DIR = Path(__file__).resolve().parent / "data"
MAX_FILE_BYTES = 256 * 1024  # a city file is a few kB; anything larger is a mistake


@dataclass
class LoadResult:
    cities: dict[str, City] = field(default_factory=dict)
    problems: dict[str, str] = field(default_factory=dict)  # file name -> what is wrong


def load_file(path: Path) -> City:
    """One validated city; CityConfigError (with every problem) otherwise."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise CityConfigError([f"the file is larger than {MAX_FILE_BYTES} bytes"])
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise CityConfigError([f"cannot be read: {exc}"]) from None
    except json.JSONDecodeError as exc:
        raise CityConfigError([f"is not valid JSON: {exc}"]) from None
    return parse_city(data, expected_slug=path.stem)


def load_directory(directory: str | Path = DATA_DIR) -> LoadResult:
    result = LoadResult()
    try:
        paths = sorted(Path(directory).glob("*.json"))
    except OSError as exc:
        log.error("city data directory unreadable, using San Francisco defaults",
                  extra={"directory": str(directory), "error": str(exc)})
        return result
    if not paths:
        log.error("no city data files found, using San Francisco defaults",
                  extra={"directory": str(directory)})
    for path in paths:
        try:
            city = load_file(path)
        except CityConfigError as exc:
            problems = exc.problems
        except Exception as exc:  # noqa: BLE001 - a data file must never take the service down
            problems = [f"could not be validated ({type(exc).__name__}: {exc})"]
        else:
            result.cities[city.slug] = city
            continue
        result.problems[path.name] = "; ".join(problems)
        log.error("city config %s skipped (San Francisco defaults used instead): %s",
                  path.name, "; ".join(problems), extra={"city_file": path.name, "problems": problems})
    return result


@lru_cache(maxsize=1)
def builtin_default() -> City:
    """San Francisco from the copy in the code, for when sf.json itself cannot be used."""
    return parse_city(SAN_FRANCISCO, expected_slug="sf")
