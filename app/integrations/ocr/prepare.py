"""Decoding a photo within bounds, and preparing it for Tesseract with Pillow.

Decoding is where a hostile file does harm, so it is bounded before any pixel is read: the
header's dimensions are checked against `max_pixels`, only JPEG, PNG and WebP are opened,
and a JPEG is decoded at a reduced scale (`draft`) when it is far larger than needed.
Preparation: the camera's EXIF orientation, grey, deskew, a crop to the ticket, a working
size, an even background, contrast.
"""
from __future__ import annotations

import io
import math
import struct
import warnings

from PIL import Image, ImageChops, ImageFilter, ImageOps, UnidentifiedImageError

from app.integrations.ocr.base import ImageRejected

FORMATS = ("JPEG", "PNG", "WEBP")  # the JPEG opener also takes MPO, which some phones write
MAX_WORKING_SIDE = 2400  # larger photos are reduced first: nothing is gained above it
THUMBNAIL = 600  # where the angle and the ticket's outline are measured
TICKET_WIDTH = 1500  # the ticket is scaled to this width for Tesseract
MAX_TICKET_HEIGHT = 3 * TICKET_WIDTH
SKEW_LIMIT = 15  # degrees either way searched for the text lines' angle
INK_LEVEL = 140  # on the prepared image, where paper is white and ink near black
DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError)


def decode(photo: bytes, max_pixels: int) -> Image.Image:
    """An upright greyscale image, or ImageRejected with a sentence for the driver."""
    if not photo:
        raise ImageRejected("The file is empty.")
    Image.init()  # registers the WebP and MPO openers; once per process, then a no-op
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(photo), formats=FORMATS)
        except UnidentifiedImageError:
            raise ImageRejected("This file is not a photo we can read (use JPEG, PNG or WebP).") from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageRejected("The photo is too large to read.") from None
        except DECODE_ERRORS:
            raise ImageRejected("The photo is damaged and cannot be read.") from None
        width, height = image.size
        if width * height > max_pixels or width < 1 or height < 1:
            raise ImageRejected(f"The photo is too large to read ({width} x {height} pixels).")
        if image.format in ("JPEG", "MPO"):
            # Decoding at 1/2, 1/4 or 1/8 scale is much cheaper and loses nothing we use.
            image.draft("L", (MAX_WORKING_SIDE, MAX_WORKING_SIDE))
        try:
            image.load()
            image = ImageOps.exif_transpose(image)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageRejected("The photo is too large to read.") from None
        except DECODE_ERRORS:
            raise ImageRejected("The photo is incomplete or damaged and cannot be read.") from None
    return image.convert("L")


def prepare(gray: Image.Image) -> Image.Image:
    """Level text lines, cropped to the ticket, at a working size, on an even background.

    Everything is measured on a small copy: text strokes (pixels darker than their
    surroundings, so a shadow or the table do not count), their angle, and the box they
    fill once levelled, which is the ticket. The ticket is then scaled to a fixed width:
    text on a paper ticket is a fairly constant fraction of its width, so this gives
    Tesseract letters of the size it reads best whatever the distance of the camera.
    """
    if max(gray.size) > MAX_WORKING_SIDE:
        gray = gray.reduce(math.ceil(max(gray.size) / MAX_WORKING_SIDE))
    small = gray.copy()
    small.thumbnail((THUMBNAIL, THUMBNAIL))
    strokes = _strokes(small)
    angle = skew_angle(strokes)
    box = _ink_box(strokes.rotate(angle, Image.Resampling.NEAREST, expand=True))
    if abs(angle) >= 0.3:
        gray = gray.rotate(angle, Image.Resampling.BICUBIC, expand=True, fillcolor=_paper(gray))
    if box is not None:
        scale = gray.width / strokes.rotate(angle, expand=True).width
        gray = gray.crop(tuple(round(v * scale) for v in box))
    # A long, narrow strip would become a very tall page: its height bounds the scale too.
    scale = min(TICKET_WIDTH / gray.width, MAX_TICKET_HEIGHT / gray.height)
    size = (max(1, round(gray.width * scale)), max(1, round(gray.height * scale)))
    gray = gray.resize(size, Image.Resampling.LANCZOS if scale < 1 else Image.Resampling.BICUBIC)
    return ImageOps.autocontrast(_flatten(gray), cutoff=(1, 0))


def ink_only(prepared: Image.Image) -> Image.Image:
    """Black ink on white, everything lighter than mid-grey dropped: the faint rules and
    box lines of a form go, which otherwise break Tesseract's layout analysis into pieces.
    Thin blurred strokes can go too, hence a second look rather than the first."""
    return prepared.point(lambda v: 255 if v > INK_LEVEL else 0)


def _strokes(small: Image.Image) -> Image.Image:
    background = small.filter(ImageFilter.BoxBlur(6))
    return ImageChops.subtract(background, small).point(lambda v: 255 if v > 18 else 0)


def _ink_box(strokes: Image.Image) -> tuple[int, int, int, int] | None:
    """Where the ink is, ignoring specks: rows and columns of 8-pixel cells with some ink
    in at least two cells."""
    cells = strokes.resize((max(1, strokes.width // 8), max(1, strokes.height // 8)),
                           Image.Resampling.BOX).point(lambda v: 255 if v > 20 else 0)
    rows = cells.resize((1, cells.height), Image.Resampling.BOX).getdata()
    columns = cells.resize((cells.width, 1), Image.Resampling.BOX).getdata()
    inked_rows = [i for i, v in enumerate(rows) if v * cells.width >= 2 * 255]
    inked_columns = [i for i, v in enumerate(columns) if v * cells.height >= 2 * 255]
    if not inked_rows or not inked_columns:
        return None
    margin = 1
    return (max(0, inked_columns[0] - margin) * 8, max(0, inked_rows[0] - margin) * 8,
            min(cells.width, inked_columns[-1] + 1 + margin) * 8,
            min(cells.height, inked_rows[-1] + 1 + margin) * 8)


def _flatten(gray: Image.Image) -> Image.Image:
    """Shadows and uneven light removed: each pixel's darkness relative to the paper
    around it. The paper is estimated at quarter size with a max filter, which lifts the
    text out of it."""
    paper = gray.reduce(4).filter(ImageFilter.MaxFilter(5)).filter(ImageFilter.BoxBlur(4))
    paper = paper.resize(gray.size, Image.Resampling.BILINEAR)
    return ImageOps.invert(ImageChops.subtract(paper, gray))


def skew_angle(strokes: Image.Image) -> float:
    """The rotation (degrees, counter-clockwise) that makes the text lines horizontal.

    Projection profiles: the strokes are summed per row for each candidate angle; when
    the lines are level the rows alternate sharply between ink and gaps. Resizing to one
    column with a box filter gives the row sums in C.
    """
    def sharpness(angle: float) -> float:
        turned = strokes.rotate(angle, Image.Resampling.NEAREST)
        rows = list(turned.resize((1, turned.height), Image.Resampling.BOX).getdata())
        return sum((a - b) ** 2 for a, b in zip(rows, rows[1:]))

    best = max(range(-SKEW_LIMIT, SKEW_LIMIT + 1), key=sharpness)
    return max((best + a / 5 for a in range(-4, 5)), key=sharpness)


def _paper(gray: Image.Image) -> int:
    """A light grey taken from the image, to fill the corners a rotation uncovers."""
    histogram = gray.histogram()
    total, seen = sum(histogram), 0
    for value, count in enumerate(histogram):
        seen += count
        if seen >= total * 0.9:
            return value
    return 255
