"""Letters and pictures to print, for the fulfilment tests and the letter benchmark."""
from __future__ import annotations

import dataclasses
import functools
import io
from datetime import date

from PIL import Image, ImageDraw, ImageFilter

from app.fulfilment.letter_document import Exhibit, LetterDocument

MAILING_DATE = date(2026, 11, 30)
BODY = """Re: Protest of citation 912345678

Dear Sir or Madam:

I am writing to protest citation 912345678, issued on November 2, 2026 to the vehicle \
with plate 7ABC123, and to ask that it be reviewed.

The sign at the corner of Valencia and 18th Street was covered by a tree branch, as the \
photographs show. The meter was broken: it displayed “FAIL” and took neither coins nor \
cards. José Núñez, who runs the café on that corner, saw it too.

I ask that the citation be reviewed in light of the facts above. Thank you for your time \
and consideration."""
CAPTIONS = ("The covered sign at Valencia and 18th", "The broken meter showing FAIL",
            "Where the car was parked", "The café owner's note")


@functools.lru_cache(maxsize=8)
def phone_photo(width: int = 4032, height: int = 3024, seed: int = 0) -> bytes:
    """A JPEG the size of a phone photo, with a photo's noise (so a photo's file size)."""
    scene = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    draw = ImageDraw.Draw(scene)
    for i in range(0, width, max(1, width // 24)):
        draw.line([(i, 0), (width - i, height)], fill=(200, (i * 7 + seed * 40) % 255, 60),
                  width=max(1, width // 300))
    draw.rectangle([width // 4, height // 4, width // 2, height // 2], fill=(245, 245, 245))
    grain = Image.effect_noise((width, height), 48).filter(ImageFilter.BoxBlur(1))
    scene = Image.blend(scene, Image.merge("RGB", (grain, grain, grain)), 0.25)
    out = io.BytesIO()
    scene.save(out, format="JPEG", quality=90)
    return out.getvalue()


@functools.lru_cache(maxsize=1)
def signature_png() -> bytes:
    """A drawn signature as the sign page's canvas sends it: dark ink on transparency."""
    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(30, 150), (100, 40), (150, 160), (220, 50), (300, 150),
                                (400, 80), (560, 120)], fill=(20, 20, 80, 255), width=6)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def encoded(image: Image.Image, pil_format: str) -> bytes:
    out = io.BytesIO()
    image.save(out, format=pil_format)
    return out.getvalue()


MIXED = ("image/jpeg", "image/png", "image/webp")


@functools.lru_cache(maxsize=8)
def exhibits(count: int = 4, width: int = 1600, height: int = 1200,
             kinds: tuple[str, ...] = MIXED) -> tuple[Exhibit, ...]:
    """Captioned photos, of the `kinds` in turn."""
    made = []
    for n in range(count):
        kind = kinds[n % len(kinds)]
        photo = phone_photo(width, height, n % 4)
        data = photo if kind == "image/jpeg" else encoded(Image.open(io.BytesIO(photo)),
                                                         kind.split("/")[1].upper())
        made.append(Exhibit(CAPTIONS[n % len(CAPTIONS)] + ("" if n < 4 else f" ({n + 1})"),
                            data, kind))
    return tuple(made)


def sample_letter(**changes) -> LetterDocument:
    letter = LetterDocument(
        citation_number="912345678", agency_name="SFMTA Customer Service Center",
        office_address_lines=("Attn: Citation Review", "11 South Van Ness Avenue",
                              "San Francisco, CA 94103"),
        driver_name="Jane Q. Driver", return_address_lines=("10 Main Street, Apt 2",
                                                            "Oakland, CA 94607"),
        letter_text=BODY, mailing_date=MAILING_DATE, signature_png=signature_png(),
        exhibits=changes.pop("exhibits") if "exhibits" in changes else exhibits(4))
    return dataclasses.replace(letter, **changes)


def ticket_jpeg() -> bytes:
    """A paper ticket: mostly white, a few dark lines of print."""
    image = Image.new("RGB", (900, 1200), "white")
    draw = ImageDraw.Draw(image)
    for row in range(8):
        draw.rectangle([60, 80 + row * 120, 700, 110 + row * 120], fill=(20, 20, 20))
    return encoded(image, "JPEG")


def dark_photo(pil_format: str, seed: int) -> bytes:
    """An evidence photo taken at night: mostly dark, so it cannot pass for the ticket."""
    image = Image.new("RGB", (1000, 750), (25 + seed, 30, 35))
    ImageDraw.Draw(image).ellipse([300, 200, 500, 400], fill=(90, 90, 60))
    return encoded(image, pil_format)
