"""Exhibit photos and the signature, decoded within fixed bounds and re-encoded for print.

The letter is printed in black and white, so every picture becomes greyscale. Photos are
scaled to the box they fill at EXHIBIT_DPI and stored as JPEG, which keeps a letter of 20
exhibits a few megabytes; the signature stays lossless (PNG), cropped to its ink.
Decoding is bounded before any pixel is read: the parser is the one for the declared type
only, the declared size is checked against fixed limits, a progressive JPEG may have only
so many scans, and a JPEG is decoded straight at the reduced size it will be printed at.
"""
from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from app.fulfilment.letter_document import LetterNotPrintable

EXHIBIT_DPI = 150  # plenty for a photo on a laser printer; 300 would quadruple the file
SIGNATURE_DPI = 300
JPEG_QUALITY = 80
MAX_PIXELS = 60_000_000
MAX_SIDE = 30_000
MAX_JPEG_SCANS = 32  # every scan re-reads the whole image; cameras write 1, libjpeg 10
PIL_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
DECODE_ERRORS = (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError,
                 Image.DecompressionBombError)


@dataclass(frozen=True)
class PrintImage:
    data: bytes
    width_px: int
    height_px: int


def exhibit_image(data: bytes, content_type: str, box_w_in: float, box_h_in: float,
                  label: str) -> PrintImage:
    """A greyscale JPEG of the photo no larger than the box at EXHIBIT_DPI."""
    box = (round(box_w_in * EXHIBIT_DPI), round(box_h_in * EXHIBIT_DPI))
    image = _decode(data, content_type, box, label)
    image.thumbnail(box, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=JPEG_QUALITY)
    return PrintImage(out.getvalue(), image.width, image.height)


def signature_image(data: bytes, max_w_in: float, max_h_in: float) -> PrintImage | None:
    """The signature's ink, greyscale PNG; None when the image holds no ink at all."""
    box = (round(max_w_in * SIGNATURE_DPI), round(max_h_in * SIGNATURE_DPI))
    image = _decode(data, "image/png", None, "The signature")
    ink = ImageOps.invert(image).getbbox()
    if ink is None:
        return None
    image = image.crop(ink)
    image.thumbnail(box, Image.Resampling.LANCZOS)
    image = image.point(lambda v: 255 if v > 240 else v)  # paper stays paper after resampling
    out = io.BytesIO()
    image.save(out, format="PNG")
    return PrintImage(out.getvalue(), image.width, image.height)


def _decode(data: bytes, content_type: str, draft_box: tuple[int, int] | None,
            label: str) -> Image.Image:
    """The first frame of `data`, upright, flattened on white, greyscale ("L")."""
    pil_format = PIL_FORMATS.get((content_type or "").split(";")[0].strip().lower())
    if pil_format is None:
        raise LetterNotPrintable(f"{label} is a {content_type or 'file of unknown type'}, "
                                 "not a JPEG, PNG or WebP image, and cannot be printed.")
    if pil_format == "JPEG" and data.count(b"\xff\xda") > MAX_JPEG_SCANS:
        raise LetterNotPrintable(f"{label} is a JPEG too complex to decode.")
    try:
        with Image.open(io.BytesIO(data), formats=[pil_format]) as source:
            width, height = source.size
            if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
                raise LetterNotPrintable(f"{label} is too large ({width}×{height} pixels).")
            if draft_box and pil_format == "JPEG":
                # libjpeg scales by 1/2…1/8 while decoding: ask for the size that will print
                scale = min(1.0, draft_box[0] / width, draft_box[1] / height)
                source.draft("L", (max(1, int(width * scale)), max(1, int(height * scale))))
            source.load()
            image = ImageOps.exif_transpose(source)
            return _greyscale(image)
    except LetterNotPrintable:
        raise
    except DECODE_ERRORS as exc:
        raise LetterNotPrintable(f"{label} could not be read as an image.") from exc


def _greyscale(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        white = Image.new("RGBA", image.size, "white")
        white.alpha_composite(image.convert("RGBA"))
        image = white
    return image.convert("L")
