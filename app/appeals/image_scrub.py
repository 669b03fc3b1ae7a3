"""Client images decoded within fixed bounds, and re-encoded with their pixels only.

Every decoder here parses bytes chosen by whoever is on the other end of the request, so
the work it may do is bounded before any pixel is decoded:
- only the parser for the type read from the bytes runs, called as its plugin class: no
  other plugin is tried, and a multi-picture JPEG is not turned into an MPO;
- width, height and their product are checked against fixed limits from the header alone.
  Pillow's own guard (`Image.open` warns past MAX_IMAGE_PIXELS, raises past twice that)
  would need its warning turned into an error, and warning filters are process-wide
  state that a threaded server cannot change per request;
- only the primary image is decoded: never another frame of an animated WebP or PNG, the
  second picture of a multi-picture JPEG (MPO, Ultra HDR gain map) or another item of a
  HEIC file;
- a progressive JPEG may have at most MAX_JPEG_SCANS scans: libjpeg re-reads the whole
  coefficient buffer for every scan, and Pillow offers no scan limit of its own (a 93 KB
  file of 1,000 scans took 18 s; a 5 MB one would take most of an hour).
What comes out holds the pixels, turned upright from the EXIF orientation, and the ICC
colour profile: no EXIF, XMP, comments, text chunks or maker notes.
"""
from __future__ import annotations

import io
from contextlib import contextmanager
from typing import Iterator

from PIL import Image, ImageCms, ImageOps
from PIL.JpegImagePlugin import JpegImageFile, get_sampling
from PIL.PngImagePlugin import PngImageFile
from PIL.WebPImagePlugin import WebPImageFile
from pillow_heif import HeifImageFile

MAX_PIXELS = 60_000_000  # a 60-megapixel phone photo; beyond that decoding costs too much memory
MAX_SIDE = 30_000  # about twice the longest side of a phone panorama
MAX_JPEG_SCANS = 32  # libjpeg writes 10 for a progressive colour photo, most cameras 1
MAX_ICC_BYTES = 256 * 1024  # display profiles are a few KB; larger ones are dropped
# JpegImageFile rather than Pillow's JPEG factory: a multi-picture JPEG then stays its
# primary picture instead of becoming an MpoImageFile.
OPENERS = {"image/jpeg": JpegImageFile, "image/png": PngImageFile, "image/apng": PngImageFile,
           "image/webp": WebPImageFile, "image/heic": HeifImageFile}


class TooManyPixels(ValueError):
    """The image's declared size is beyond MAX_PIXELS or MAX_SIDE."""


class TooComplex(ValueError):
    """The image is readable in principle but would cost too much to decode."""


class Unreadable(ValueError):
    """The bytes are not a decodable image of the expected type."""


def decode(data: bytes, mime: str, *, max_side: int = MAX_SIDE) -> Image.Image:
    """The primary image of `data`, upright, with nothing in info but its ICC profile."""
    with _bounded(data, mime, max_side) as source:
        return _pixels_only(source)


def reencode(data: bytes, mime: str, pil_format: str) -> bytes:
    """The primary image of `data` as a new `pil_format` file: pixels and ICC profile only."""
    with _bounded(data, mime, MAX_SIDE) as source:
        options = _jpeg_options(source) if pil_format == "JPEG" else {}
        if pil_format == "WEBP":
            options["quality"] = 90
        image = _pixels_only(source)
        if pil_format == "JPEG" and image.mode not in ("RGB", "L", "CMYK"):
            image = image.convert("RGB")
        icc = image.info.get("icc_profile")
        out = io.BytesIO()
        image.save(out, format=pil_format, **options, **({"icc_profile": icc} if icc else {}))
        return out.getvalue()


@contextmanager
def _bounded(data: bytes, mime: str, max_side: int) -> Iterator[Image.Image]:
    """The file opened with the parser for its type, checked, its primary image loaded."""
    if mime == "image/jpeg" and data.count(b"\xff\xda") > MAX_JPEG_SCANS:
        # FF DA (start of scan) never occurs inside entropy-coded data (an FF there is
        # always followed by 00), so counting it over the file can over-count, never miss.
        raise TooComplex(f"more than {MAX_JPEG_SCANS} JPEG scans")
    try:
        with OPENERS[mime](io.BytesIO(data)) as source:
            width, height = source.size
            if width * height > MAX_PIXELS or max(width, height) > max_side:
                raise TooManyPixels(f"{width}x{height}")
            source.load()  # the current frame only, which is the primary one after opening
            yield source
    except (TooManyPixels, Image.DecompressionBombError) as exc:
        raise TooManyPixels(str(exc)) from None
    except Exception as exc:  # noqa: BLE001 - a parser of hostile bytes can raise anything
        raise Unreadable(f"{type(exc).__name__}: {exc}") from None


def _jpeg_options(source: Image.Image) -> dict:
    """A JPEG's own quantisation tables and subsampling: no visible re-compression loss."""
    if not isinstance(source, JpegImageFile) or not source.quantization:
        return {"quality": 90}
    sampling = get_sampling(source)
    return {"qtables": source.quantization, **({"subsampling": sampling} if sampling != -1 else {})}


def _pixels_only(source: Image.Image) -> Image.Image:
    icc = _usable_icc(source.info.get("icc_profile"))
    image = source.convert("RGBA") if "transparency" in source.info else source
    try:
        upright = ImageOps.exif_transpose(image)
    except Exception:  # noqa: BLE001 - unreadable EXIF: the pixels are still good as decoded
        upright = image.copy()
    # Encoders copy some info keys into the new file by themselves (Pillow's JPEG writer
    # re-emits `comment`), so nothing read from the file is left there but the profile.
    upright.info = {"icc_profile": icc} if icc else {}
    return upright


def _usable_icc(icc: bytes | None) -> bytes | None:
    if not icc or len(icc) > MAX_ICC_BYTES:
        return None
    try:
        ImageCms.ImageCmsProfile(io.BytesIO(icc))
    except Exception:  # noqa: BLE001 - not a profile LittleCMS can read: not a colour profile
        return None
    return icc
