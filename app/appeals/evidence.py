"""Evidence files: the type decided from the bytes, the size bounded, location data removed.

Nothing here trusts the file name or the browser's Content-Type. Images are decoded and
re-encoded with Pillow so only pixels, the ICC colour profile and the orientation survive:
GPS coordinates (EXIF GPS IFD, XMP) never reach storage. Pillow cannot decode HEIC, so a
HEIC photo keeps its pixels and has its EXIF and XMP items blanked in place (`heic.py`); a
HEIC file whose boxes cannot be read is refused, never stored with its location. PDFs are
stored as sent (§5 asks for images to be cleaned).
"""
from __future__ import annotations

import hashlib
import io
import struct
import warnings
from dataclasses import dataclass

import filetype
from PIL import Image, UnidentifiedImageError

from app.appeals import heic

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 60_000_000  # a 60-megapixel phone photo; beyond that decoding costs too much memory
ACCEPTED = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp",
            "image/heic": "heic", "application/pdf": "pdf"}
ORIENTATION = 0x0112
PIL_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}


class Rejected(Exception):
    """The file cannot be stored; `status` is the HTTP answer, the message is for the driver."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


@dataclass(frozen=True)
class CleanFile:
    data: bytes
    content_type: str
    extension: str
    sha256: str

    @property
    def size(self) -> int:
        return len(self.data)


def sniff(data: bytes) -> str:
    """The content type read from the bytes, or Rejected(415)."""
    kind = filetype.guess(data[:8192])
    mime = kind.mime if kind else None
    if mime == "application/pdf" and not data.startswith(b"%PDF-"):
        mime = None
    if mime not in ACCEPTED:
        raise Rejected(415, "That file isn't a photo or a PDF we can use. Please choose a JPEG, "
                            "PNG, WebP or HEIC photo, or a PDF.")
    return mime


def clean(data: bytes, name: str = "") -> CleanFile:
    """Check and clean one uploaded file, ready to store."""
    label = f"“{name}” is" if name else "That file is"
    if len(data) > MAX_FILE_BYTES:
        raise Rejected(413, f"{label} larger than 5 MB. Please choose a smaller photo or take "
                            "a new one at a lower resolution.")
    if not data:
        raise Rejected(422, f"{label} empty. Please choose the photo again.")
    mime = sniff(data)
    stored = scrub(data, mime)
    return CleanFile(stored, mime, ACCEPTED[mime], hashlib.sha256(stored).hexdigest())


def scrub(data: bytes, mime: str) -> bytes:
    """The bytes to store: the same kind of file, without location metadata."""
    if mime == "application/pdf":
        return data
    if mime == "image/heic":
        try:
            return heic.strip_metadata(data)
        except (heic.Malformed, struct.error, IndexError):
            raise Rejected(415, "We couldn't read that HEIC photo, so we can't remove its "
                                "location data. Please choose it as a JPEG, or take a "
                                "screenshot of it.") from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format != PIL_FORMATS[mime]:
                    raise Rejected(415, "That photo's contents don't match its type. Please try "
                                        "another one.")
                if image.width * image.height > MAX_PIXELS:
                    raise Rejected(413, "That photo has too many pixels for us to process. "
                                        "Please choose a smaller one.")
                return _reencode(image, mime)
    except Rejected:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError,
            Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Rejected(415, "We couldn't read that photo; it may be damaged. Please try another "
                            "one.") from None


def _reencode(image: Image.Image, mime: str) -> bytes:
    """Pixels, colour profile and orientation only: no GPS, no XMP, no maker notes."""
    image.load()
    options: dict = {}
    if image.info.get("icc_profile"):
        options["icc_profile"] = image.info["icc_profile"]
    orientation = image.getexif().get(ORIENTATION)
    exif = Image.Exif()
    if orientation in range(1, 9):
        exif[ORIENTATION] = orientation
    options["exif"] = exif.tobytes()
    if mime == "image/jpeg":
        # "keep" reuses the original quantisation tables: no visible re-compression loss.
        keep = image.format == "JPEG" and image.mode in ("RGB", "L", "CMYK")
        if image.mode not in ("RGB", "L", "CMYK"):
            image = image.convert("RGB")
        options["quality"] = "keep" if keep else 90
    elif mime == "image/webp":
        options["quality"] = 90
    out = io.BytesIO()
    image.save(out, format=PIL_FORMATS[mime], **options)
    return out.getvalue()
