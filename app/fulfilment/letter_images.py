"""Exhibit photos and the signature, decoded within fixed bounds and re-encoded for print.

The letter is printed in black and white, so every picture becomes greyscale. Photos are
scaled to the box they fill at EXHIBIT_DPI and stored as JPEG, which keeps a letter of 20
exhibits a few megabytes; the signature stays lossless (PNG), cropped to its ink.
Decoding is bounded before any pixel is read: the parser is the one for the declared type
only, the declared size is checked against fixed limits, a progressive JPEG may have only
so many scans, and a JPEG is decoded straight at the reduced size it will be printed at.
A print copy made here before (a baseline greyscale JPEG at EXHIBIT_DPI that fits the box,
see letter_print_copies) is passed through as it is: only its header is read.
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
ORIENTATION_TAG = 0x0112
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
    box = _exhibit_box(box_w_in, box_h_in)
    ready = print_ready(data, content_type, box_w_in, box_h_in)
    if ready is not None:
        return ready
    image = _decode(data, content_type, box, label)
    image.thumbnail(box, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    # the density marks it as made for print here: the next letter passes it through
    image.save(out, format="JPEG", quality=JPEG_QUALITY, dpi=(EXHIBIT_DPI, EXHIBIT_DPI))
    return PrintImage(out.getvalue(), image.width, image.height)


def print_ready(data: bytes, content_type: str, box_w_in: float,
                box_h_in: float) -> PrintImage | None:
    """`data` itself when it is already what exhibit_image makes, from its header alone."""
    box = _exhibit_box(box_w_in, box_h_in)
    if PIL_FORMATS.get((content_type or "").split(";")[0].strip().lower()) != "JPEG" or (
            data.count(b"\xff\xda") != 1):  # one scan: baseline, nothing to re-read
        return None
    try:
        with Image.open(io.BytesIO(data), formats=["JPEG"]) as header:
            dpi = tuple(round(float(v)) for v in header.info.get("dpi", (0, 0)))
            if (header.mode != "L" or header.info.get("progressive") or dpi != (EXHIBIT_DPI,) * 2
                    or header.width > box[0] or header.height > box[1]
                    or header.getexif().get(ORIENTATION_TAG, 1) != 1):
                return None
            return PrintImage(data, header.width, header.height)
    except DECODE_ERRORS:
        return None  # the full decoder says what is wrong with it


def _exhibit_box(box_w_in: float, box_h_in: float) -> tuple[int, int]:
    return round(box_w_in * EXHIBIT_DPI), round(box_h_in * EXHIBIT_DPI)


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
