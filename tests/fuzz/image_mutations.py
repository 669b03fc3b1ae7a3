"""Hypothesis strategies: real JPEG, PNG, WebP and HEIC files, then corrupted with knowledge
of their structure (segments, chunks, boxes, declared sizes), as well as byte by byte."""
from __future__ import annotations

import random
import struct
import zlib

from hypothesis import strategies as st
from PIL import Image, ImageCms, PngImagePlugin

from tests.appeals.image_files import (SECRET, XMP, bmff_boxes, exif_with_gps, heic,
                                       jpeg_segments, mpo, png_chunks, riff_chunks, saved,
                                       ultra_hdr)

ICC = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
UNITS = {"JPEG": jpeg_segments, "PNG": png_chunks, "WEBP": riff_chunks, "HEIC": bmff_boxes}
MODES = {"JPEG": ["RGB", "L", "CMYK"], "PNG": ["RGB", "RGBA", "L", "LA", "P", "1", "I;16"],
         "WEBP": ["RGB", "RGBA"], "HEIC": ["RGB", "RGBA"]}
# Declared sizes: small ones (decoded, then the pixel data runs out) and ones beyond every
# bound (refused from the header). Sizes in between would make a real decode of tens of
# megapixels, a cost the time budget is not meant to measure.
SIZES = st.integers(0, 1024) | st.sampled_from([7746, 30_001, 65_535, 0xFFFFFF, 0xFFFFFFFF])
LENGTHS = st.integers(0, 64) | st.sampled_from([0xFF, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF])


@st.composite
def pictures(draw, modes: list[str]) -> Image.Image:
    width, height = draw(st.integers(1, 40)), draw(st.integers(1, 40))
    rng = random.Random(draw(st.integers(0, 2**32 - 1)))
    kind = draw(st.sampled_from(["noise", "flat", "stripes"]))
    if kind == "noise":
        picture = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
    else:
        picture = Image.new("RGB", (width, height), tuple(rng.randbytes(3)))
        if kind == "stripes":
            for x in range(0, width, 3):
                picture.paste(tuple(rng.randbytes(3)), (x, 0, x + 1, height))
    mode = draw(st.sampled_from(modes))
    return picture.convert(mode) if mode != "I;16" else picture.convert("L").convert("I;16")


@st.composite
def real_files(draw) -> tuple[str, bytes]:
    """(format, bytes) of a file as Pillow or libheif writes it, metadata included or not."""
    fmt = draw(st.sampled_from(sorted(MODES)))
    picture = draw(pictures(MODES[fmt]))
    meta = draw(st.booleans())
    icc = {"icc_profile": ICC} if picture.mode == "RGB" and draw(st.booleans()) else {}
    if fmt == "JPEG":
        variant = draw(st.sampled_from(["plain", "mpo", "ultra-hdr"]))
        if variant == "mpo" and picture.mode == "RGB":
            return fmt, mpo(picture, draw(pictures(["RGB"])))
        if variant == "ultra-hdr" and picture.mode == "RGB":
            return fmt, ultra_hdr(picture)
        options = {"quality": draw(st.integers(1, 100)), "progressive": draw(st.booleans()),
                   "subsampling": draw(st.sampled_from([0, 1, 2])), **icc}
        if meta:
            options.update(exif=exif_with_gps(draw(st.integers(1, 8))), comment=SECRET, xmp=XMP)
        return fmt, saved(picture, "JPEG", **options)
    if fmt == "HEIC":
        options = {"quality": draw(st.integers(10, 90))}
        if meta:
            options.update(exif=exif_with_gps(), xmp=XMP)
        extra = [draw(pictures(["RGB"]))] if draw(st.booleans()) else []
        picture.info.update(icc)
        return fmt, heic(picture, *extra, **options)
    options = dict(icc)
    if draw(st.booleans()):  # animated: the first frame is what is kept
        options.update(save_all=True, append_images=[picture.rotate(90), picture.transpose(0)])
    if meta:
        options["exif"] = exif_with_gps()
        if fmt == "PNG":
            text = PngImagePlugin.PngInfo()
            text.add_text("Comment", SECRET.decode(), zip=draw(st.booleans()))
            options["pnginfo"] = text
        else:
            options["xmp"] = XMP
    if fmt == "WEBP":
        options.update(lossless=draw(st.booleans()), quality=draw(st.integers(0, 100)))
    return fmt, saved(picture, fmt, **options)


def _size_fields(fmt: str, data: bytes) -> list[tuple[int, int, str]]:
    """(offset, width in bytes, byte order) of every declared width or height."""
    fields = []
    for unit in UNITS[fmt](data):
        at = unit.start
        if fmt == "JPEG" and 0xC0 <= unit.kind[0] <= 0xCF and unit.kind[0] not in (0xC4, 0xC8, 0xCC):
            fields += [(at + 5, 2, "big"), (at + 7, 2, "big")]
        elif fmt == "PNG" and unit.kind in (b"IHDR", b"fcTL"):
            fields += [(at + 8 + (4 if unit.kind == b"fcTL" else 0), 4, "big"),
                       (at + 12 + (4 if unit.kind == b"fcTL" else 0), 4, "big")]
        elif fmt == "WEBP" and unit.kind == b"VP8X":
            fields += [(at + 12, 3, "little"), (at + 15, 3, "little")]
        elif fmt == "WEBP" and unit.kind == b"VP8 ":
            fields += [(at + 14, 2, "little"), (at + 16, 2, "little")]
        elif fmt == "HEIC" and unit.kind == b"ispe":
            fields += [(at + 12, 4, "big"), (at + 16, 4, "big")]
    return [field for field in fields if field[0] + field[1] <= len(data)]


def _fix_png_crcs(data: bytearray) -> None:
    for unit in png_chunks(bytes(data)):
        if unit.end <= len(data):
            crc = zlib.crc32(bytes(data[unit.start + 4:unit.end - 4]))
            data[unit.end - 4:unit.end] = struct.pack(">I", crc)


@st.composite
def mutated_files(draw) -> tuple[str, bytes, list[str]]:
    """(format, bytes, the mutations applied); no mutation at all in some cases."""
    fmt, original = draw(real_files())
    data, applied = bytearray(original), []
    for _ in range(draw(st.integers(0, 4))):
        op = draw(st.sampled_from(["flip", "truncate", "insert", "duplicate", "drop", "length", "size"]))
        units = [unit for unit in UNITS[fmt](bytes(data)) if unit.end <= len(data)]
        spot = draw(st.integers(0, max(0, len(data) - 1)))
        if op == "flip" and data:
            data[spot] ^= 1 << draw(st.integers(0, 7))
        elif op == "truncate":
            del data[spot:]
        elif op == "insert":
            data[spot:spot] = draw(st.binary(min_size=1, max_size=64))
        elif op in ("duplicate", "drop", "length") and units:
            unit = draw(st.sampled_from(units))
            if op == "duplicate":
                data[unit.end:unit.end] = data[unit.start:unit.end]
            elif op == "drop":
                del data[unit.start:unit.end]
            else:
                bogus = draw(LENGTHS) % (1 << (8 * unit.length_size))
                order = "little" if fmt == "WEBP" else "big"
                data[unit.length_at:unit.length_at + unit.length_size] = bogus.to_bytes(unit.length_size, order)
        elif op == "size" and (fields := _size_fields(fmt, bytes(data))):
            at, width, order = draw(st.sampled_from(fields))
            data[at:at + width] = (draw(SIZES) % (1 << (8 * width))).to_bytes(width, order)
        else:
            continue
        applied.append(op)
    if fmt == "PNG" and applied and draw(st.booleans()):
        _fix_png_crcs(data)  # so the mutation reaches the decoder past Pillow's CRC check
        applied.append("crc")
    return fmt, bytes(data), applied
