"""What a reading says and leaves out: EXIF orientation honoured, doubtful fields left
empty rather than guessed, the JSON shape of POST /api/tickets/read (spec §18)."""
from __future__ import annotations

import dataclasses
from random import Random

import pytest

from bench.ticket_cities import STYLES
from bench.ticket_content import random_ticket
from bench.ticket_photo import Shot, photograph
from bench.ticket_render import render

LEVEL = Shot(angle=0.0, keystone=0.0, blur=0.3, quality=85, shadow=False, exif_orientation=1)


def _photo(seed: int, shot: Shot, style=STYLES[0], layout="inline"):
    rng = Random(f"reading-{seed}")
    truth, text = random_ticket(rng, style)
    paper = render(text, rng, layout)
    return truth, photograph(paper, shot, Random(f"shot-{seed}"))


@pytest.mark.parametrize("orientation", [6, 8, 3])
def test_camera_orientation_is_honoured(reader, cities, orientation):
    """Phones store portrait shots sideways with an EXIF tag; read as stored, the text
    would run vertically and nothing could be read."""
    truth, photo = _photo(1, dataclasses.replace(LEVEL, exif_orientation=orientation))
    reading = reader.read(photo, cities)
    assert reading.citation_number.value == truth.citation_number
    assert reading.issue_date.value == truth.issue_date


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_badly_blurred_photo_leaves_fields_empty_rather_than_wrong(reader, cities, seed):
    truth, photo = _photo(seed, dataclasses.replace(LEVEL, blur=4.0), style=STYLES[seed])
    reading = reader.read(photo, cities)
    read = {f.name: getattr(reading, f.name).value for f in dataclasses.fields(reading)
            if f.name != "seconds"}
    wrong = {name: value for name, value in read.items()
             if value is not None and value != getattr(truth, name)}
    assert not wrong
    assert None in read.values()


def test_reading_as_the_api_answers_it(reader, cities):
    truth, photo = _photo(4, LEVEL, style=STYLES[2], layout="boxes")
    answer = reader.read(photo, cities).as_dict()
    fields = {"citation_number", "issue_date", "issue_time", "plate", "plate_state",
              "violation", "location", "city"}
    assert set(answer) == fields | {"confidence"} and set(answer["confidence"]) == fields
    assert answer["citation_number"] == truth.citation_number
    assert answer["issue_date"] == truth.issue_date.isoformat()
    assert answer["city"] == truth.city == "nyc"
    assert all(0 <= c <= 1 for c in answer["confidence"].values())
