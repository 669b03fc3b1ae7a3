"""Files built to hurt an image decoder: written byte by byte, as an attacker would."""
from __future__ import annotations

import io
import random
import struct
import zlib

from PIL import Image, ImageDraw, ImageFont


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width: int, height: int) -> bytes:
    """A valid 1-bit PNG of width x height zeros: a few hundred kB that decode to gigapixels."""
    row = b"\x00" + bytes(-(-width // 8))  # filter byte, then the packed pixels
    packer = zlib.compressobj(9)
    rows_per_call = 256
    body = b"".join(packer.compress(row * min(rows_per_call, height - start))
                    for start in range(0, height, rows_per_call)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", body)
            + _chunk(b"IEND", b""))


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small real JPEG whose frame header is edited to claim width x height."""
    out = io.BytesIO()
    Image.new("L", (64, 64), 200).save(out, "JPEG")
    data = bytearray(out.getvalue())
    sof = next(i for i in range(len(data) - 1) if data[i] == 0xFF and data[i + 1] in (0xC0, 0xC2))
    data[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def wall_of_text(seed: int) -> bytes:
    """A real picture with thousands of words on it: several seconds of Tesseract's time
    on any machine, far beyond a photo's budget in these tests."""
    rng = random.Random(seed)
    image = Image.new("L", (1500, 3000), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 22)
    for y in range(10, image.height - 30, 26):
        draw.text((10, y), " ".join(rng.choice(WORDS) for _ in range(12)), font=font, fill=0)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


WORDS = ("PARKING", "CITATION", "7ABC123", "STREET", "METER", "0964040B", "NOTICE", "DATE",
         "12/03/2025", "LOCATION", "VIOLATION", "PLATE")


def blank_photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 200), "white").save(out, "PNG")
    return out.getvalue()
