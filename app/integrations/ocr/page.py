"""A photo's words as a page: rows, labels, and the words that make each label's value."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from app.integrations.ocr.labels import OTHER, Label, find_labels
from app.integrations.ocr.layout import Word, below, group_rows, right_of
from app.integrations.ocr.values import PARSERS

Parse = Callable[[str], "tuple | None"]


@dataclass(frozen=True)
class Candidate:
    value: object
    confidence: float


def weakest(words: Sequence[Word]) -> float:
    """A value is only as sure as its least sure word: one misread character is enough."""
    return min((w.confidence for w in words), default=0.0)


def parsed(words: Sequence[Word], parse: Parse) -> Candidate | None:
    """The longest run of `words` from the first that `parse` accepts."""
    for count in range(len(words), 0, -1):
        result = parse(" ".join(w.text for w in words[:count]))
        if result:
            return Candidate(result[0], result[1] * weakest(words[:count]))
    return None


class Page:
    def __init__(self, words: Sequence[Word]):
        self.rows = group_rows(words)
        self.labels = find_labels(self.rows)
        self._index()
        kept: list[Label] = []
        for label in self.labels:  # in reading order
            if not any(self._absorbs(earlier, label) for earlier in kept[-8:]):
                kept.append(label)
        self.labels = kept
        self._index()

    def _index(self) -> None:
        self._label_words = {id(w) for label in self.labels for w in label.span.words(self.rows)}
        self._starts = {id(label.span.words(self.rows)[0]) for label in self.labels}

    def stop(self, row: Sequence[Word], index: int) -> bool:
        return id(row[index]) in self._starts

    def _absorbs(self, earlier: Label, label: Label) -> bool:
        """Whether `label` is really the first word of `earlier`'s value, as METER in
        "VIOLATION   METER FEE UNPAID" or STREET under a VIOLATION box holding "STREET
        CLEANING": the value then fits `earlier`'s field. "DATE   TIME" (two boxes'
        labels side by side) stays two labels: TIME is no date."""
        if earlier.field == OTHER:  # titles and fields we do not read take nothing
            return False
        options = self.options(earlier)
        return bool(options) and options[0][0] is label.span.words(self.rows)[0] and (
            parsed(options[0], PARSERS[earlier.field]) is not None)

    def options(self, label: Label) -> list[list[Word]]:
        """The words to the right of a label, and those in the box below it, in that order
        of preference; a value made only of label words is no value."""
        found = [right_of(self.rows, label.span, self.stop), below(self.rows, label.span, self.stop)]
        return [words for words in found
                if words and not all(id(w) in self._label_words for w in words)]

    def values(self, field: str) -> list[list[list[Word]]]:
        """The options of every label of `field`."""
        return [options for label in self.labels if label.field == field
                for options in [self.options(label)] if options]

    def best(self, field: str) -> Candidate | None:
        """The surest value among the field's labels: for each, the first option that parses."""
        candidates = [next(filter(None, (parsed(words, PARSERS[field]) for words in options)), None)
                      for options in self.values(field)]
        return max(filter(None, candidates), key=lambda c: c.confidence, default=None)
