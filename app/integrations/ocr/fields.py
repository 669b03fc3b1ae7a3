"""From the words of a photo to a TicketReading: each field from its label, checked.

A field's confidence is the OCR confidence of the words it came from (the weakest one:
one misread character makes the field wrong) times how well the text fits what the field
must look like. Fields below their threshold are left empty rather than guessed; the
thresholds were chosen on development photos (not the evaluation set), where 0.65 kept
nearly every right field and let about one wrong field in a hundred through.
"""
from __future__ import annotations

import dataclasses
from typing import Sequence

from app.integrations.ocr import citation, values
from app.integrations.ocr.base import Field, KnownCity, TicketReading
from app.integrations.ocr.labels import OTHER
from app.integrations.ocr.layout import Word
from app.integrations.ocr.page import Candidate, Page, weakest

FILL_AT = 0.65
# Tesseract is less sure of words outside its dictionary: a plate read right scores lower
# than other fields (on development photos, right plates from 0.5, wrong ones mostly below).
FILL_AT_BY_FIELD = {"plate": 0.5}
FALLBACK = 0.75  # a value found without its label is less certain
CORRECTED = 0.9  # a citation number that needed a lookalike corrected


def _field(candidate: Candidate | None, fill_at: float) -> Field:
    if candidate is None:
        return Field()
    value = candidate.value if candidate.confidence >= fill_at else None
    return Field(value, round(candidate.confidence, 3))


def read_fields(words: Sequence[Word], cities: Sequence[KnownCity],
                fill_at: float | None = None) -> TicketReading:
    """`fill_at` overrides every field's threshold (0 fills in whatever was seen)."""
    def threshold(name: str) -> float:
        return fill_at if fill_at is not None else FILL_AT_BY_FIELD.get(name, FILL_AT)

    page = Page(words)
    named = citation.named_city(page.rows, cities)
    number, city_slug = _citation(page, cities, named)
    city = None
    if city_slug:
        city = Candidate(city_slug, named.confidence if named else number.confidence * FALLBACK)
    found = {"citation_number": number, "issue_date": page.best("date") or _earliest_date(page),
             "issue_time": page.best("time"), "plate": page.best("plate"),
             "plate_state": page.best("state"), "violation": page.best("violation"),
             "location": page.best("location"), "city": city}
    return TicketReading(**{name: _field(candidate, threshold(name))
                            for name, candidate in found.items()})


def surer(first: TicketReading, second: TicketReading) -> TicketReading:
    """Field by field, the reading with the higher confidence."""
    return TicketReading(**{
        f.name: max(getattr(first, f.name), getattr(second, f.name), key=lambda x: x.confidence)
        for f in dataclasses.fields(TicketReading) if f.name != "seconds"})


def _earliest_date(page: Page) -> Candidate | None:
    """Without a date label: a ticket's issue date comes before its due dates, so the
    earliest date not right after a label of another field ("PAY BY")."""
    after_other = {(lab.span.row, lab.span.end) for lab in page.labels if lab.field == OTHER}
    found = []
    for r, row in enumerate(page.rows):
        for i, word in enumerate(row):
            result = values.parse_date(word.text)
            if result and (r, i) not in after_other:
                found.append(Candidate(result[0], result[1] * word.confidence * FALLBACK))
    return min(found, key=lambda c: c.value, default=None)


def _citation(page: Page, cities: Sequence[KnownCity], named) -> tuple[Candidate | None, str | None]:
    """The number and its city: the city the ticket names, else the only one it fits.
    For each label, the first of its options holding a number that fits (as `Page.best`):
    the box below a label is only looked at when nothing to its right fits."""
    pools = [c for c in cities if named and c.slug == named.slug] or list(cities)
    candidates = []
    for options in page.values("citation"):
        found = next(filter(None, (_number_in(words, pools, named) for words in options)), None)
        if found is not None:
            candidates.append(found)
    if not candidates:
        return None, named.slug if named else None
    return max(candidates, key=lambda item: item[0].confidence)


def _number_in(words: Sequence[Word], pools: Sequence[KnownCity], named):
    for count in range(_groups(words), 0, -1):  # "4012 345678": printed in groups
        raw = citation.normalise("".join(w.text for w in words[:count]))
        if values.parse_number(raw) is None:
            continue
        fits = [(city, citation.correct(raw, city.citation_patterns)) for city in pools]
        fits = [(city, result) for city, result in fits if result]
        if len({result[0] for _, result in fits}) == 1:
            number, corrected = fits[0][1]
            owners = [city.slug for city, _ in fits]
            slug = named.slug if named else (owners[0] if len(owners) == 1 else None)
            weight = CORRECTED if corrected else 1.0
            return Candidate(number, weight * weakest(words[:count])), slug
    return None


def _groups(words: Sequence[Word]) -> int:
    """How many leading words may be one number printed in groups: the first, and up to
    two more that hold digits (a word such as DATE run up against it is not part of it)."""
    count = 1
    while count < min(len(words), 3) and any(c.isdigit() for c in words[count].text):
        count += 1
    return count
