"""Reading the research file tests/cities/fixtures/city-facts.md (a copy of ../shared/city-facts.md).

`summary()` gives each city's row of the Summary table and `section()` the rows of the city's
own table, both as plain text cells. The interpreters below turn a cell into the value a data
file must hold; they are kept literal so a reader can check them against the table.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

FIXTURE = Path(__file__).parent / "fixtures" / "city-facts.md"
HEADER_END = "-->\n"
# The table's city names, as the data files' slugs.
SLUGS = {"San Francisco": "sf", "Los Angeles": "la", "New York City": "nyc", "Chicago": "chicago",
         "Seattle": "seattle", "Denver": "denver", "Phoenix": "phoenix", "Dallas": "dallas",
         "Houston": "houston", "Oakland": "oakland", "San Diego": "san-diego", "Boston": "boston",
         "Portland OR": "portland", "Portland": "portland", "Philadelphia": "philadelphia",
         "Atlanta": "atlanta", "Miami": "miami", "Sacramento": "sacramento"}
CELL_SPLIT = re.compile(r"(?<!\\)\|")  # a "\|" inside a regex is part of the cell
DAYS = re.compile(r"(\d+) d\b")


@dataclass(frozen=True)
class SummaryRow:
    city: str
    mail: str
    address: str
    deadline: str
    online: str
    confidence: str


def research_text() -> str:
    """The research as copied (without the note saying where it came from)."""
    text = FIXTURE.read_text(encoding="utf-8")
    return text.split(HEADER_END, 1)[1]


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in CELL_SPLIT.split(line.strip())[1:-1]]


@lru_cache(maxsize=1)
def summary() -> dict[str, SummaryRow]:
    part = research_text().split("\n## Summary\n", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in part.splitlines():
        cells = _cells(line) if line.startswith("|") else []
        if len(cells) == 6 and cells[0] in SLUGS:
            rows[SLUGS[cells[0]]] = SummaryRow(*cells)
    return rows


@lru_cache(maxsize=None)
def section(slug: str) -> dict[str, list[str]]:
    """The city's own table: fact name -> [value, source, quote, confidence]."""
    for block in research_text().split("\n## ")[1:]:
        heading, _, body = block.partition("\n")
        name = re.split(r",| \(", heading, maxsplit=1)[0].strip()
        if SLUGS.get(name) == slug:
            rows = (_cells(line) for line in body.splitlines() if line.startswith("| "))
            return {cells[0]: cells[1:] for cells in rows if len(cells) == 5 and cells[0] != "Fact"}
    raise KeyError(slug)


def deadline_days(row: SummaryRow) -> int | None:
    if "no hard bar" in row.deadline.lower():
        return None
    at_most = re.search(r"≤\s*(\d+)", row.deadline)
    return int(at_most.group(1)) if at_most else int(DAYS.search(row.deadline).group(1))


def notice_days(row: SummaryRow) -> int | None:
    """The second window, counted from a notice; the same number when the cell gives one."""
    if "notice" not in row.deadline.lower():
        return None
    later = [DAYS.search(part) for part in re.split(r"[;/]", row.deadline)[1:]]
    later = [match for match in later if match]
    return int(later[0].group(1)) if later else deadline_days(row)


def postmark_counts(slug: str) -> bool:
    row = summary()[slug]
    texts = [row.deadline] + [" ".join(cells) for fact, cells in section(slug).items()
                              if fact in ("Deadline", "Mail contest allowed", "Mail contest")]
    return any("postmark" in text.lower() for text in texts)


def mail_method(row: SummaryRow) -> str | None:
    """mail, mail_with_original_ticket, hearing_request_first or None (no mail contest)."""
    cell = row.mail.lower().lstrip("*")
    if re.match(r"no\b|generally no", cell):
        return None
    if "hearing request" in cell or "two-step" in cell:
        return "hearing_request_first"
    assert cell.startswith("yes"), row.mail
    return "mail_with_original_ticket" if "ticket" in cell else "mail"


def online(row: SummaryRow) -> bool:
    cell = row.online.lower()
    if re.match(r"no\b", cell) or "only for" in cell:
        return False
    assert re.match(r"yes|partial", cell) or "form" in cell, row.online
    return True


def address_confirmed(row: SummaryRow) -> bool:
    if mail_method(row) is None:
        return False
    return not (re.search(r"unverified|conflict", row.address, re.I) or
                re.search(r"address secondary|conflicting|^secondary", row.confidence, re.I))


def payment_boxes(slug: str) -> set[str]:
    """Box numbers the research marks as payment-only for this city."""
    boxes = set()
    for fact, cells in section(slug).items():
        if fact.lower().startswith("payment"):
            boxes |= set(re.findall(r"Box (\d+)", cells[0], re.I))
    return boxes
