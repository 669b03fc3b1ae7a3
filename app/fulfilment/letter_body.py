"""The body of a stored letter, without the frame the PDF prints itself.

A letter written by the AI or from a city's template carries its own date, agency address,
closing, name and return address (§6). The PDF prints those from the appeal instead (dated
the day it is mailed, the signature above the printed name), so only the part from the
subject or salutation down to the closing is taken from the text. Nothing is removed
unless it is clearly that frame: a subject or salutation near the top, and a closing word
followed by no more than a name and an address.
"""
from __future__ import annotations

import re

DEFAULT_CLOSING = "Sincerely,"
CLOSINGS = {"sincerely", "sincerely yours", "yours sincerely", "respectfully",
            "respectfully submitted", "respectfully yours", "yours truly", "very truly yours",
            "yours faithfully", "regards", "best regards", "kind regards", "thank you"}
OPENING = re.compile(r"^\s*(re\s*:|subject\s*:|dear\b|to whom it may concern\b)", re.IGNORECASE)
MAX_HEAD_LINES = 15  # date, agency, attention, street, city, blank lines
MAX_TAIL_LINES = 10  # name and a return address of a few lines


def split_letter(text: str) -> tuple[str, str]:
    """(body, closing) of a stored letter; the whole text and "Sincerely," when unsure."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    start = next((i for i, line in enumerate(lines[:MAX_HEAD_LINES]) if OPENING.match(line)), 0)
    for end in range(len(lines) - 1, start, -1):
        if len(lines) - end - 1 > MAX_TAIL_LINES:
            break
        if _closing_word(lines[end]) in CLOSINGS:
            return "\n".join(lines[start:end]).strip("\n"), lines[end].strip()
    return "\n".join(lines[start:]).strip("\n"), DEFAULT_CLOSING


def _closing_word(line: str) -> str:
    return " ".join(line.strip().rstrip(",.!").lower().split())
