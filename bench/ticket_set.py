"""The synthetic ticket photos, with their ground truth, used by tests/ocr and bench/ocr.py.

It lives under bench/ so the benchmark needs nothing from tests/; the tests import it.
Photo i of a set depends only on (seed, i). EVAL_SEED is the set the figures are taken
on; the reading rules were developed on seeds 1 to 6 and never looked at its photos.
(Two earlier evaluation sets, 20261129 and 424242, were each read once before rules
changed again on the development seeds; a fresh set replaced each.)
"""
from __future__ import annotations

from dataclasses import dataclass
from random import Random

from app.cities.loader import load_directory
from app.integrations.ocr.base import KnownCity
from bench.ticket_cities import STYLES
from bench.ticket_content import TicketTruth, random_ticket
from bench.ticket_photo import Shot, photograph, random_shot
from bench.ticket_render import LAYOUTS, render

EVAL_SEED = 731
EVAL_COUNT = 64


@dataclass(frozen=True)
class TicketPhoto:
    index: int
    truth: TicketTruth
    layout: str
    shot: Shot
    photo: bytes

    def describe(self) -> str:
        return (f"#{self.index} {self.truth.city or 'no city'} {self.layout}, "
                f"{self.shot.describe()}, {len(self.photo) // 1024} kB")


def ticket_photo(seed: int, index: int) -> TicketPhoto:
    rng = Random(f"ticket-{seed}-{index}")
    style = STYLES[index % len(STYLES)]
    layout = LAYOUTS[(index // len(STYLES)) % len(LAYOUTS)]
    truth, text = random_ticket(rng, style)
    shot = random_shot(rng)
    return TicketPhoto(index, truth, layout, shot, photograph(render(text, rng, layout), shot, rng))


def ticket_set(seed: int = EVAL_SEED, count: int = EVAL_COUNT) -> list[TicketPhoto]:
    return [ticket_photo(seed, index) for index in range(count)]


def known_cities() -> list[KnownCity]:
    """The cities as the app knows them (app/cities/data): names and citation patterns."""
    cities = load_directory().cities.values()
    return [KnownCity(slug=city.slug, names=(city.name, *(a.name for a in city.agencies)),
                      citation_patterns=tuple(p for a in city.agencies for p in a.compiled))
            for city in cities]
