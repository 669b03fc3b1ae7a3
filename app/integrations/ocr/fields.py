"""From the words of a photo to a TicketReading: each field from its label, checked.

A field's confidence is the OCR confidence of the words it came from (the weakest one:
one misread character makes the field wrong) times how well the text fits what the field
must look like. Fields below `fill_at` are left empty rather than guessed.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Callable, Sequence

from app.integrations.ocr import citation, values
from app.integrations.ocr.base import Field, KnownCity, TicketReading
from app.integrations.ocr.labels import OTHER, Label, find_labels
from app.integrations.ocr.layout import Word, below, group_rows, right_of

FILL_AT = 0.6
FALLBACK = 0.75  # a value found without its label is less certain
CORRECTED = 0.9  # a citation number that needed a lookalike corrected


@dataclass(frozen=True)
class Candidate:
    value: object
    confidence: float


def _text(words: Sequence[Word]) -> str:
    return " ".join(w.text for w in words)


def _weakest(words: Sequence[Word]) -> float:
    return min((w.confidence for w in words), default=0.0)


class Page:
    def __init__(self, words: Sequence[Word]):
        self.rows = group_rows(words)
        self.labels = find_labels(self.rows)
        self._label_words = {id(w) for label in self.labels for w in label.span.words(self.rows)}
        self._starts = {id(label.span.words(self.rows)[0]) for label in self.labels}

    def stop(self, row: Sequence[Word], index: int) -> bool:
        return id(row[index]) in self._starts

    def values(self, field: str) -> list[list[list[Word]]]:
        """For each label of `field`: the words to its right, and the words below it, in
        that order of preference. A value made only of label words is no value."""
        found = []
        for label in (lab for lab in self.labels if lab.field == field):
            options = [right_of(self.rows, label.span, self.stop),
                       below(self.rows, label.span, self.stop)]
            options = [o for o in options if o and not all(id(w) in self._label_words for w in o)]
            if options:
                found.append(options)
        return found

    def best(self, field: str, parse: Callable[[str], tuple | None]) -> Candidate | None:
        candidates = []
        for options in self.values(field):
            candidate = next(filter(None, (_parsed(words, parse) for words in options)), None)
            if candidate is not None:
                candidates.append(candidate)
        return max(candidates, key=lambda c: c.confidence, default=None)


def _parsed(words: Sequence[Word], parse: Callable[[str], tuple | None]) -> Candidate | None:
    for count in range(len(words), 0, -1):  # the whole value first, then shorter
        parsed = parse(_text(words[:count]))
        if parsed:
            return Candidate(parsed[0], parsed[1] * _weakest(words[:count]))
    return None


def _field(candidate: Candidate | None, fill_at: float) -> Field:
    if candidate is None:
        return Field()
    value = candidate.value if candidate.confidence >= fill_at else None
    return Field(value, round(candidate.confidence, 3))


def read_fields(words: Sequence[Word], cities: Sequence[KnownCity], fill_at: float = FILL_AT
                ) -> TicketReading:
    page = Page(words)
    named = citation.named_city(page.rows, cities)
    number, city_slug = _citation(page, cities, named)
    city = Candidate(city_slug, named.confidence if named else number.confidence * FALLBACK) \
        if city_slug else None
    return TicketReading(
        citation_number=_field(number, fill_at),
        issue_date=_field(page.best("date", values.parse_date) or _earliest_date(page), fill_at),
        issue_time=_field(page.best("time", values.parse_time), fill_at),
        plate=_field(page.best("plate", values.parse_plate), fill_at),
        plate_state=_field(page.best("state", values.parse_state), fill_at),
        violation=_field(page.best("violation", _free_text), fill_at),
        location=_field(page.best("location", _free_text), fill_at),
        city=_field(city, fill_at))


def surer(first: TicketReading, second: TicketReading) -> TicketReading:
    """Field by field, the reading with the higher confidence."""
    return TicketReading(**{
        f.name: max(getattr(first, f.name), getattr(second, f.name), key=lambda x: x.confidence)
        for f in dataclasses.fields(TicketReading) if f.name != "seconds"})


def _free_text(text: str) -> tuple[str, float] | None:
    text = " ".join(text.split()).strip(" :.-")
    return (text, 1.0) if len(text) >= 3 and any(c.isalnum() for c in text) else None


def _earliest_date(page: Page) -> Candidate | None:
    """Without a date label: a ticket's issue date comes before its due dates, so the
    earliest date not under a due-date label."""
    after_other = {(lab.span.row, lab.span.end) for lab in page.labels if lab.field == OTHER}
    found = []
    for r, row in enumerate(page.rows):
        for i, word in enumerate(row):
            parsed = values.parse_date(word.text)
            if parsed and (r, i) not in after_other:
                found.append(Candidate(parsed[0], parsed[1] * word.confidence * FALLBACK))
    return min(found, key=lambda c: c.value, default=None)


def _citation(page: Page, cities: Sequence[KnownCity], named) -> tuple[Candidate | None, str | None]:
    """The number and the city it belongs to (the named one, else the only one it fits)."""
    pools = [c for c in cities if named and c.slug == named.slug] or list(cities)
    candidates = []
    for words in (option for options in page.values("citation") for option in options):
        for count in range(min(len(words), 3), 0, -1):  # "4012 345678": printed in groups
            raw = citation.normalise("".join(w.text for w in words[:count]))
            if len(raw) < 4 or sum(c.isdigit() for c in raw) < 3:
                continue
            fits = [(city, citation.correct(raw, city.citation_patterns)) for city in pools]
            fits = [(city, result) for city, result in fits if result]
            numbers = {result[0] for _, result in fits}
            if len(numbers) == 1:
                number, corrected = fits[0][1]
                owners = [city.slug for city, _ in fits]
                slug = named.slug if named else (owners[0] if len(owners) == 1 else None)
                weight = CORRECTED if corrected else 1.0
                candidates.append((Candidate(number, weight * _weakest(words[:count])), slug))
                break
    if not candidates:
        return None, named.slug if named else None
    return max(candidates, key=lambda item: item[0].confidence)
