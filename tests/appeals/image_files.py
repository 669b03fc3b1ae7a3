"""Real image files for upload tests, and readers of their structure.

Files are made by Pillow and pillow-heif (libheif), the way cameras and phones make them;
the readers list a file's units (JPEG segments, PNG and RIFF chunks, ISO BMFF boxes) with
where their length field sits, so tests can check what was stored and the fuzzer can
corrupt the structure rather than only random bytes.
"""
from __future__ import annotations

import io
import struct
from dataclasses import dataclass

import pillow_heif
from PIL import Image

GPS = {1: "N", 2: (37.0, 46.0, 30.0), 3: "W", 4: (122.0, 25.0, 10.0)}
SECRET = b"home: 37.7750 N 122.4194 W"
XMP = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
       b'22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/">'
       b"<dc:description>" + SECRET + b"</dc:description></rdf:Description></rdf:RDF>"
       b"</x:xmpmeta>")


def exif_with_gps(orientation: int | None = None) -> bytes:
    exif = Image.Exif()
    exif[0x8825] = GPS
    exif[0x010E] = SECRET.decode()  # ImageDescription
    if orientation:
        exif[0x0112] = orientation
    return exif.tobytes()


def saved(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def heic(image: Image.Image, *more: Image.Image, **options) -> bytes:
    """A HEIC file (HEVC via libheif's x265); the first image is the primary one."""
    out = io.BytesIO()
    heif = pillow_heif.from_pillow(image)
    for extra in more:
        heif.add_from_pillow(extra)
    heif.save(out, quality=options.pop("quality", 70), **options)
    return out.getvalue()


def mpo(primary: Image.Image, second: Image.Image) -> bytes:
    """A multi-picture JPEG as many phones write it (CIPA DC-007, written by Pillow)."""
    return saved(primary, "MPO", save_all=True, append_images=[second])


def _mpf(primary_size: int, second_size: int, second_offset: int) -> bytes:
    """An APP2 MPF segment: a big-endian TIFF IFD listing the two pictures."""
    entries_at = 8 + 2 + 3 * 12 + 4
    ifd = struct.pack(">H", 3)
    ifd += struct.pack(">HHI4s", 0xB000, 7, 4, b"0100")
    ifd += struct.pack(">HHII", 0xB001, 4, 1, 2)
    ifd += struct.pack(">HHII", 0xB002, 7, 32, entries_at)
    entries = struct.pack(">IIIHH", 0x030000, primary_size, 0, 0, 0)
    entries += struct.pack(">IIIHH", 0, second_size, second_offset, 0, 0)
    body = b"MPF\x00" + b"MM\x00\x2a" + struct.pack(">I", 8) + ifd + b"\x00" * 4 + entries
    return b"\xff\xe2" + struct.pack(">H", len(body) + 2) + body


def ultra_hdr(primary: Image.Image) -> bytes:
    """An Ultra HDR-like JPEG: the picture, an MPF APP2 segment, then a gain-map JPEG."""
    container = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/'
                 b'1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:hdrgm="http://ns.adobe.com/'
                 b'hdr-gain-map/1.0/"><hdrgm:Version>1.0</hdrgm:Version></rdf:Description>'
                 b"</rdf:RDF></x:xmpmeta>")
    gain = saved(Image.new("L", (primary.width // 4 or 1, primary.height // 4 or 1), 90), "JPEG")
    placeholder = _mpf(0, 0, 0)
    first = saved(primary, "JPEG", xmp=container, exif=exif_with_gps())
    first = first[:2] + placeholder + first[2:]
    tiff_start = first.index(b"MPF\x00") + 4
    real = _mpf(len(first), len(gain), len(first) - tiff_start)
    return first.replace(placeholder, real, 1) + gain


@dataclass(frozen=True)
class Unit:
    """One structural unit of a file: its kind, where it spans, where its length field is."""
    kind: bytes
    start: int
    end: int
    length_at: int
    length_size: int


def jpeg_segments(data: bytes) -> list[Unit]:
    """Marker segments from SOI up to and including the first SOS header."""
    units, pos = [], 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            pos += 2
            continue
        (length,) = struct.unpack_from(">H", data, pos + 2)
        units.append(Unit(bytes([marker]), pos, pos + 2 + length, pos + 2, 2))
        if marker == 0xDA:
            break
        pos += 2 + length
    return units


def png_chunks(data: bytes) -> list[Unit]:
    units, pos = [], 8
    while pos + 12 <= len(data):
        (length,) = struct.unpack_from(">I", data, pos)
        units.append(Unit(data[pos + 4:pos + 8], pos, pos + 12 + length, pos, 4))
        pos += 12 + length
    return units


def riff_chunks(data: bytes) -> list[Unit]:
    units, pos = [], 12
    while pos + 8 <= len(data):
        (length,) = struct.unpack_from("<I", data, pos + 4)
        units.append(Unit(data[pos:pos + 4], pos, pos + 8 + length + (length & 1), pos + 4, 4))
        pos += 8 + length + (length & 1)
    return units


def bmff_boxes(data: bytes, start: int = 0, end: int | None = None) -> list[Unit]:
    """Top-level boxes, and the children of `meta` (a full box) and `iprp`/`ipco`."""
    units, pos, end = [], start, len(data) if end is None else end
    while pos + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, pos)
        if size < 8 or pos + size > end:
            break
        units.append(Unit(kind, pos, pos + size, pos, 4))
        if kind in (b"meta", b"iprp", b"ipco"):
            units += bmff_boxes(data, pos + (12 if kind == b"meta" else 8), pos + size)
        pos += size
    return units
