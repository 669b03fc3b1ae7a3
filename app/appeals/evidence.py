"""Evidence files: the type decided from the bytes, the size bounded, only pixels stored.

Nothing here trusts the file name or the browser's Content-Type. Images are decoded within
fixed bounds and re-encoded (`image_scrub`), so only their pixels and ICC colour profile
reach storage: no EXIF (GPS), XMP, comments or text chunks. A HEIC photo and a
multi-picture JPEG (MPO, Ultra HDR) are stored as a JPEG of their primary picture, which
every browser shows. PDFs are stored as sent (§5 asks for images to be cleaned).
"""
from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

import filetype

from app.appeals import image_scrub
from app.appeals.image_scrub import MAX_PIXELS

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 5 * 1024 * 1024
# Sniffed type -> (Pillow format written, stored content type, extension).
# An animated PNG (APNG) keeps only its first frame, so it is stored as a plain PNG.
STORED_AS = {"image/jpeg": ("JPEG", "image/jpeg", "jpg"), "image/png": ("PNG", "image/png", "png"),
             "image/apng": ("PNG", "image/png", "png"), "image/webp": ("WEBP", "image/webp", "webp"),
             "image/heic": ("JPEG", "image/jpeg", "jpg"), "application/pdf": (None, "application/pdf", "pdf")}


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
    if mime not in STORED_AS:
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
    pil_format, content_type, extension = STORED_AS[mime]
    stored = data if pil_format is None else scrub(data, mime, pil_format)
    return CleanFile(stored, content_type, extension, hashlib.sha256(stored).hexdigest())


def scrub(data: bytes, mime: str, pil_format: str) -> bytes:
    """The photo's primary picture re-encoded as `pil_format`, or Rejected."""
    try:
        return image_scrub.reencode(data, mime, pil_format)
    except image_scrub.TooManyPixels:
        raise Rejected(413, f"That photo has too many pixels for us to process (at most "
                            f"{MAX_PIXELS // 1_000_000} megapixels). Please choose a smaller "
                            "one.") from None
    except image_scrub.TooComplex:
        raise Rejected(422, "That photo is saved in a way that takes too long to read. Please "
                            "take a screenshot of it and upload that instead.") from None
    except image_scrub.Unreadable as exc:
        log.info("refused an unreadable image", extra={"content_type": mime, "reason": str(exc)[:200]})
        raise Rejected(415, "We couldn't read that photo; it may be damaged. Please try another "
                            "one.") from None
