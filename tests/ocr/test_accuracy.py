"""Accuracy over the synthetic ticket photos (bench/ticket_set.py), never used to develop
the reading rules: several cities' layouts, fonts, tilt, keystone, blur, shadow, JPEG
noise and EXIF orientation, each with its ground truth."""
from __future__ import annotations

import pytest

from bench.ocr import FIELDS, read_all, score
from bench.ticket_set import EVAL_COUNT, EVAL_SEED, ticket_set

THRESHOLDS = {"citation_number": 0.90, "issue_date": 0.85, "plate": 0.80}
MAX_CONFIDENTLY_WRONG = 0.02  # of all fields: filled in, so shown to the driver, and wrong


@pytest.fixture(scope="module")
def photos():
    return ticket_set(EVAL_SEED, EVAL_COUNT)


@pytest.mark.timeout(1200)
def test_fields_read_from_ticket_photos(reader, cities, photos):
    assert len(photos) >= 60
    assert len({p.truth.city for p in photos}) >= 6 and len({p.layout for p in photos}) == 3
    readings, _ = read_all(reader, photos, cities, concurrency=reader.workers)
    result = score(photos, readings)
    print("\n" + "\n".join(f"{name:<16} {result.accuracy(name):6.1%}" for name in FIELDS))
    print("\n".join(result.confidently_wrong + result.failed))
    assert not result.failed
    for name, threshold in THRESHOLDS.items():
        assert result.accuracy(name) >= threshold, (name, result.accuracy(name))
    assert result.confidently_wrong_rate <= MAX_CONFIDENTLY_WRONG, result.confidently_wrong
