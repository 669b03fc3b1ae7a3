"""Words as Tesseract saw them, regrouped into visual rows, and the labels found in them.

Tesseract's own lines split a form's columns into separate blocks, so words are regrouped
by where they sit on the page. A label's value is either to its right on the same row
("PLATE: 7ABC123") or, on carbon-form tickets, in the box below it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from statistics import median
from typing import Iterable, Sequence

NOT_ALNUM = re.compile(r"[^A-Z0-9]+")


@dataclass(frozen=True)
class Word:
    text: str
    confidence: float  # 0-1
    left: int
    top: int
    right: int
    bottom: int
    line: int = 0  # Tesseract's text line: it follows a tilted baseline, rows of boxes do not

    @property
    def key(self) -> str:
        """Upper-case letters and digits only: "LIC.#" and "LIC" are the same label word."""
        return NOT_ALNUM.sub("", self.text.upper())

    @property
    def height(self) -> int:
        return self.bottom - self.top


@dataclass(frozen=True)
class Span:
    """Consecutive words of one row."""

    row: int
    start: int  # index of the first word in the row
    end: int  # index after the last word

    def words(self, rows: Sequence[Sequence[Word]]) -> Sequence[Word]:
        return rows[self.row][self.start:self.end]


def group_rows(words: Iterable[Word]) -> list[list[Word]]:
    """Words sorted into rows top to bottom, each row left to right.

    Tesseract's lines are kept whole (they follow the text even when the photo is not
    quite level) and lines side by side, such as a form's label and value columns, are
    joined when they overlap vertically by half their height. Positions are medians over
    a line's words, so a speck read as a word at the paper's edge does not move it.
    """
    lines: dict[int, list[Word]] = {}
    for word in words:
        lines.setdefault(word.line, []).append(word)
    rows: list[list[Word]] = []
    for line in sorted(lines.values(), key=_middle):
        top, bottom = median(w.top for w in line), median(w.bottom for w in line)
        home = max(rows[-3:], key=lambda row: _overlap(row, line, top, bottom), default=None)
        if home is not None and _overlap(home, line, top, bottom) >= 0.5:
            home.extend(line)
        else:
            rows.append(list(line))
    return sorted((sorted(row, key=lambda w: w.left) for row in rows), key=_middle)


def _middle(words: Sequence[Word]) -> float:
    return median((w.top + w.bottom) / 2 for w in words)


def _overlap(row: list[Word], line: list[Word], top: int, bottom: int) -> float:
    """How much `line` overlaps, vertically, the words of `row` nearest to it (0-1);
    0 when they overlap horizontally, as two lines of one column do."""
    left, right = min(w.left for w in line), max(w.right for w in line)
    if any(w.left < right and left < w.right for w in row):
        return 0.0
    nearest = min(row, key=lambda w: min(abs(w.right - left), abs(right - w.left)))
    shared = min(bottom, nearest.bottom) - max(top, nearest.top)
    return max(0.0, shared) / max(1, min(bottom - top, nearest.bottom - nearest.top))


def similar(seen: str, wanted: str) -> bool:
    """OCR tolerance for label words: about one slip ("CITATI0N") in five letters or
    more; "TIME ISSUED" is not "DATE ISSUED"."""
    if seen == wanted:
        return True
    return (len(wanted) >= 5 and abs(len(seen) - len(wanted)) <= 1
            and SequenceMatcher(None, seen, wanted).ratio() >= 1 - 1 / len(wanted))


def gap_limit(word: Word) -> float:
    """A gap wider than this between two words separates two fields on a row."""
    return 2.2 * max(word.height, 12)


def right_of(rows: Sequence[Sequence[Word]], label: Span, stop) -> list[Word]:
    """The words after a label on its row, up to a wide gap or the next label. The first
    word is taken even if it reads like a label ("VIOLATION   METER FEE UNPAID"); the
    caller rejects a value that is nothing but label words."""
    row = rows[label.row]
    taken: list[Word] = []
    previous = row[label.end - 1]
    # The first value may sit in a column far right of a short label ("ST." in a table
    # whose longest label is "LOCATION OF VIOLATION").
    limit = 40 * max(previous.height, 12)
    for index in range(label.end, len(row)):
        word = row[index]
        if word.left - previous.right > limit or (taken and stop(row, index)):
            break
        taken.append(word)
        previous, limit = word, gap_limit(word)
    return taken


def below(rows: Sequence[Sequence[Word]], label: Span, stop) -> list[Word]:
    """The words in the box under a label: the next row, starting near the label's left."""
    if label.row + 1 >= len(rows):
        return []
    first = label.words(rows)[0]
    row = rows[label.row + 1]
    if row[0].top - first.bottom > 3 * max(first.height, 12):
        return []
    slack = 2 * max(first.height, 12)
    starts = [i for i, w in enumerate(row) if first.left - slack <= w.left <= first.left + 4 * slack]
    if not starts:
        return []
    taken = [row[starts[0]]]
    for index in range(starts[0] + 1, len(row)):
        word = row[index]
        if word.left - taken[-1].right > gap_limit(word) or stop(row, index):
            break
        taken.append(word)
    return taken
