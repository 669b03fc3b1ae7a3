"""The labels printed on US parking tickets, and where they are in a photo's rows.

Words are compared letters and digits only ("LIC.#" is "LIC"), so "#", "NO." and
"NUMBER" after a label are suffixes it may carry. Longer phrases win ("DATE OF
VIOLATION" is a date, not a violation), and a label must start its row or stand clear
of the words before it: "1920 IRVING ST" holds no state label, "NOTICE OF PARKING
VIOLATION" is a title. `OTHER` labels are fields we do not read; they end the value
before them, and a due date under one is never taken for the issue date.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from app.integrations.ocr.layout import Span, Word, similar

OTHER = "other"
PHRASES: dict[str, tuple[str, ...]] = {
    "citation": ("CITATION", "CITATION NO", "CITATION NUMBER", "TICKET NO", "TICKET NUMBER",
                 "TICKET", "NOTICE NO", "NOTICE NUMBER", "NOTICE", "SUMMONS", "SUMMONS NO",
                 "SUMMONS NUMBER", "INFRACTION NO", "INFRACTION", "NOTICE OF INFRACTION NO",
                 "VIOLATION NO", "VIOLATION NUMBER", "CITE NO", "REFERENCE NO"),
    "date": ("DATE", "ISSUE DATE", "DATE ISSUED", "DATE OF VIOLATION", "DATE OF OFFENSE",
             "VIOLATION DATE", "OFFENSE DATE", "DATE OF ISSUE"),
    "time": ("TIME", "TIME ISSUED", "TIME OF VIOLATION", "TIME OF OFFENSE", "VIOLATION TIME"),
    "plate": ("LICENSE", "LICENSE PLATE", "LICENSE NO", "LIC", "LIC NO", "PLATE", "PLATE NO",
              "TAG", "TAG NO", "LICENSE PLATE NO", "VEHICLE LICENSE"),
    "state": ("STATE", "ST", "LIC STATE", "PLATE STATE", "LICENSE STATE", "REG STATE"),
    "violation": ("VIOLATION", "VIOLATION CODE", "VIOL", "VIOL CODE", "CODE", "OFFENSE",
                  "VIOLATION DESCRIPTION", "CODE DESCRIPTION", "CHARGE"),
    "location": ("LOCATION", "LOCATION OF VIOLATION", "PLACE OF OCCURRENCE", "ADDRESS",
                 "STREET", "BLOCK", "LOCATION OF OFFENSE"),
    OTHER: ("DUE DATE", "PAY BY", "RESPOND BY", "PENALTY DATE", "HEARING DATE", "COURT DATE",
            "MAKE", "VEH MAKE", "MODEL", "COLOR", "CLR", "BODY", "STYLE", "VIN", "FINE",
            "FINE AMOUNT", "AMOUNT", "AMOUNT DUE", "PENALTY", "OFFICER", "OFFICER ID", "BADGE",
            "ISSUED BY", "BEAT", "METER", "METER NO", "EXP", "EXPIRES", "NOTICE OF",
            "PARKING VIOLATION", "PARKING CITATION", "PARKING VIOLATIONS", "AGENCY"),
}
SUFFIXES = frozenset({"", "NO", "N0", "NUMBER", "NBR", "NUM"})
ORDERED = sorted(((field, tuple(phrase.split())) for field, phrases in PHRASES.items()
                  for phrase in phrases), key=lambda item: -len("".join(item[1])))


@dataclass(frozen=True)
class Label:
    field: str
    span: Span


def _clear_before(row: Sequence[Word], start: int) -> bool:
    """Nothing but a wide gap (or specks Tesseract read as punctuation) before `start`."""
    before = [w for w in row[:start] if w.key]
    if not before:
        return True
    gap = row[start].left - before[-1].right
    return gap >= 1.1 * max(row[start].height, 10)


def find_labels(rows: Sequence[Sequence[Word]]) -> list[Label]:
    """Every label, left to right in each row; a word belongs to one label at most."""
    labels = []
    for r, row in enumerate(rows):
        index = 0
        while index < len(row):
            found = _label_at(row, index) if _clear_before(row, index) else None
            if found is None:
                index += 1
                continue
            field, end = found
            labels.append(Label(field, Span(r, index, end)))
            index = end
    return labels


def _label_at(row: Sequence[Word], index: int) -> tuple[str, int] | None:
    """(field, end) of the longest label starting at `index`, exact spellings before
    near ones. Words are joined before comparing, since Tesseract sometimes runs two
    together ("INFRACTIONNO.") or splits one."""
    keys = [w.key for w in row[index:index + 6]]
    if not keys[0]:
        return None
    for compare in (str.__eq__, similar):
        for field, phrase in ORDERED:
            wanted = "".join(phrase)
            for count in range(1, min(len(phrase) + 1, len(keys)) + 1):
                if compare("".join(keys[:count]), wanted):
                    return _with_suffix(row, field, phrase, index + count)
    return None


def _with_suffix(row: Sequence[Word], field: str, phrase: tuple[str, ...], end: int):
    if phrase[-1] in SUFFIXES and not _number_follows(row, end):
        # "VIOLATION NO STOPPING" is a violation, not a violation number.
        return _label_at(row[:end - 1], end - len(phrase)) if len(phrase) > 1 else None
    while end < len(row) and row[end].key in SUFFIXES and _number_follows(row, end + 1):
        end += 1
    return field, end


def _number_follows(row: Sequence[Word], index: int) -> bool:
    """Whether a "NO." or "#" before `index` can be a number sign: not when a word
    follows it closely ("VIOLATION NO STOPPING"); a word far off is another box's label."""
    if index >= len(row) or index == 0:
        return True
    word, before = row[index], row[index - 1]
    close = word.left - before.right < 1.5 * max(word.height, 10)
    return not (close and word.key.isalpha() and len(word.key) >= 3)
