"""What a printed appeal letter is made of, and the bounds every letter is held to.

A plain dataclass so the mailing job, the print queue and the download route can all build
one from an appeal without this package knowing the models.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

MAX_EXHIBITS = 20  # the driver may upload 12 photos; Lob takes 60 pages single-sided
MAX_TEXT_CHARS = 20_000  # a story is at most 2,000 characters; the letter around it far less
MAX_LINE_CHARS = 200  # one address line, a name, a caption
MAX_IMAGE_BYTES = 15 * 1024 * 1024  # an uploaded photo is at most 5 MB


class LetterNotPrintable(ValueError):
    """The letter cannot be printed as given; the message says why in plain words."""


@dataclass(frozen=True)
class Exhibit:
    caption: str
    data: bytes
    content_type: str  # image/jpeg, image/png or image/webp


@dataclass(frozen=True)
class LetterDocument:
    citation_number: str
    agency_name: str  # first line of the recipient block, e.g. "SFMTA Customer Service Center"
    office_address_lines: tuple[str, ...]  # e.g. ("Attn: Citation Review", "11 South Van …", …)
    driver_name: str
    return_address_lines: tuple[str, ...]
    letter_text: str  # from the subject or salutation to the last paragraph (see letter_body)
    mailing_date: date
    signature_png: bytes | None = None  # the drawn signature; None prints the typed name
    signature_name: str = ""  # the typed name for "/s/"; the driver's name when empty
    exhibits: tuple[Exhibit, ...] = field(default_factory=tuple)
    closing: str = "Sincerely,"


def check_bounds(document: LetterDocument) -> None:
    """Refuse, before any work, a letter that is missing its essentials or is too large."""
    missing = [label for label, value in (
        ("citation number", document.citation_number), ("agency name", document.agency_name),
        ("office address", "".join(document.office_address_lines)),
        ("driver's name", document.driver_name),
        ("return address", "".join(document.return_address_lines)),
        ("letter text", document.letter_text)) if not (value or "").strip()]
    if missing:
        raise LetterNotPrintable(f"The letter has no {', '.join(missing)}.")
    if not isinstance(document.mailing_date, date):
        raise LetterNotPrintable("The letter needs the date it is mailed.")
    if len(document.letter_text) > MAX_TEXT_CHARS:
        raise LetterNotPrintable(f"The letter text is longer than {MAX_TEXT_CHARS:,} characters.")
    if len(document.exhibits) > MAX_EXHIBITS:
        raise LetterNotPrintable(f"A letter can carry at most {MAX_EXHIBITS} exhibits, "
                                 f"not {len(document.exhibits)}.")
    for number, exhibit in enumerate(document.exhibits, start=1):
        if len(exhibit.data) > MAX_IMAGE_BYTES:
            raise LetterNotPrintable(f"Exhibit {number} is larger than "
                                     f"{MAX_IMAGE_BYTES // (1024 * 1024)} MB.")
    if document.signature_png is not None and len(document.signature_png) > MAX_IMAGE_BYTES:
        raise LetterNotPrintable("The signature image is too large.")
