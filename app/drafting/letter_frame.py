"""The template letter's middle: the ticket's facts, the driver's account framed, the enclosures.

The city's template gives the subject, the salutation, the opening sentence, the request
and the closing; this module writes what goes between them. The driver's account keeps
their words: it is only tidied as a letter needs (sentences start with a capital, "i" is
"I", paragraphs end with a stop, shouting is brought down to sentence case, markdown and
profanity go) and introduced, never rewritten.

The enclosures name the exhibits exactly as the printed letter numbers them: the photos
that print (JPEG, PNG, WebP), the ticket first, then in the order they were added.
"""
from __future__ import annotations

import re

from app.drafting.letter_text import remove_profanity, strip_markdown

PRINTABLE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
TICKET_KIND = "ticket"
TICKET_CAPTION, PHOTO_CAPTION = "the parking ticket", "a photo"
ACCOUNT_INTRO = "In my own words, this is what happened:"

_SENTENCE_START = re.compile(r"(^|[.!?]\s+)([a-z])")
_LONE_I = re.compile(r"\bi\b(?=$|[\s,.;:!?'’])")
_SPACES = re.compile(r"[ \t]+")
_PARAGRAPHS = re.compile(r"\n\s*\n")
_WORD, _DIGIT = re.compile(r"\S+"), re.compile(r"\d")


def exhibit_captions(photos) -> list[str]:
    """One caption per exhibit, in the printed order (photos: objects with content_type,
    kind and id, e.g. the appeal's EvidencePhoto rows)."""
    printable = [photo for photo in photos if photo.content_type in PRINTABLE_TYPES]
    ordered = sorted(printable, key=lambda photo: (photo.kind != TICKET_KIND, photo.id))
    return [TICKET_CAPTION if photo.kind == TICKET_KIND else PHOTO_CAPTION for photo in ordered]


def framed_middle(facts: dict) -> str:
    """The paragraphs between the template's opening sentence and its request."""
    parts = [ticket_facts(facts), framed_account(facts.get("story") or ""),
             enclosures(facts.get("exhibits") or [])]
    return "\n\n".join(part for part in parts if part)


def ticket_facts(facts: dict) -> str:
    """What the ticket and the vehicle say, from the fields the driver or the photo gave."""
    sentences = []
    violation, location = facts.get("violation"), facts.get("location")
    if violation and location:
        sentences.append(f'The ticket gives the violation as "{violation}" at {location}.')
    elif violation:
        sentences.append(f'The ticket gives the violation as "{violation}".')
    elif location:
        sentences.append(f"The ticket was issued at {location}.")
    vehicle = _vehicle(facts)
    if vehicle:
        sentences.append(f"The vehicle is {vehicle}.")
    if facts.get("notice_date"):
        sentences.append(f"I received a notice about it dated {facts['notice_date']}.")
    return " ".join(sentences)


def _vehicle(facts: dict) -> str:
    make, plate, state = facts.get("vehicle_make"), facts.get("plate"), facts.get("plate_state")
    plate_words = f"{state} license plate {plate}" if plate and state else \
        f"license plate {plate}" if plate else ""
    if make and plate_words:
        return f"a {make} with {plate_words}"
    if make:
        return f"a {make}"
    return f"the one with {plate_words}" if plate_words else ""


def framed_account(story: str) -> str:
    """The driver's account, introduced and tidied into paragraphs (their words kept)."""
    paragraphs = [tidy_paragraph(p) for p in _PARAGRAPHS.split(_plain(story))]
    paragraphs = [p for p in paragraphs if p]
    if not paragraphs:
        return ""
    return ACCOUNT_INTRO + "\n\n" + "\n\n".join(paragraphs)


def _plain(story: str) -> str:
    return remove_profanity(strip_markdown(story.replace("\r\n", "\n")))


def _unshouted(text: str) -> str:
    letters = [c for c in text if c.isalpha()]
    if len(letters) >= 12 and sum(c.isupper() for c in letters) / len(letters) > 0.8:
        # Written in capitals: sentence case reads as a letter, not a shout. Words with a
        # digit (plates, citation numbers, addresses like 5TH) keep their capitals.
        text = _WORD.sub(lambda m: m.group() if _DIGIT.search(m.group()) else m.group().lower(),
                         text)
    return text


def tidy_paragraph(paragraph: str) -> str:
    # A phone wraps lines where the driver pressed return; in a letter they run on.
    text = _SPACES.sub(" ", " ".join(line.strip() for line in paragraph.split("\n"))).strip()
    if not text:
        return ""
    text = _unshouted(text)
    text = _LONE_I.sub("I", text)
    text = _SENTENCE_START.sub(lambda m: m.group(1) + m.group(2).upper(), text)
    if text[-1] not in ".!?\u201d\")":
        text += "."
    return text


def enclosures(captions: list[str]) -> str:
    """"Enclosed are Exhibit 1 (the parking ticket) and Exhibit 2 (a photo)." or nothing."""
    items = [f"Exhibit {number} ({caption})" for number, caption in enumerate(captions, start=1)]
    if not items:
        return ""
    if len(items) == 1:
        return f"Enclosed is {items[0]}."
    return f"Enclosed are {', '.join(items[:-1])} and {items[-1]}."
