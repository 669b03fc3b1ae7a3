"""Location data out of HEIC photos, without decoding them.

Pillow cannot open HEIC without an extra codec, so the photo is not re-encoded: its boxes
(ISO BMFF) are read instead. In HEIF, EXIF (where GPS lives) and XMP are separate items
listed in `meta/iinf` and located by `meta/iloc`; their bytes are overwritten with zeros in
place, so every offset in the file stays valid and the picture is untouched. The picture's
orientation is kept: HEIF stores it in the `irot`/`imir` properties, not in EXIF.
"""
from __future__ import annotations

import struct


class Malformed(ValueError):
    """The file's boxes do not add up; it is refused rather than stored with its metadata."""


def strip_metadata(data: bytes) -> bytes:
    out = bytearray(data)
    meta = _child(data, 0, len(data), b"meta")
    if meta is None:
        raise Malformed("a HEIF file always has a meta box")
    body = meta[0] + 4  # meta is a full box: version and flags first
    iinf, iloc = _child(data, body, meta[1], b"iinf"), _child(data, body, meta[1], b"iloc")
    idat = _child(data, body, meta[1], b"idat")
    targets = _metadata_items(data, *iinf) if iinf else set()
    if not targets:
        return bytes(out)
    if iloc is None:
        raise Malformed("metadata items without locations")
    for method, start, length in _locations(data, *iloc, targets):
        if method == 1:
            if idat is None:
                raise Malformed("idat-based item without an idat box")
            start += idat[0]
        elif method != 0:
            raise Malformed("metadata stored by reference")
        if length <= 0 or start < 0 or start + length > len(out):
            raise Malformed("metadata outside the file")
        out[start:start + length] = bytes(length)
    return bytes(out)


def _boxes(data: bytes, start: int, end: int):
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:
            (size,) = struct.unpack_from(">Q", data, pos + 8)
            header = 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            raise Malformed(f"box {kind!r} runs past its parent")
        yield kind, pos + header, pos + size
        pos += size


def _child(data: bytes, start: int, end: int, wanted: bytes) -> tuple[int, int] | None:
    for kind, body, stop in _boxes(data, start, end):
        if kind == wanted:
            return body, stop
    return None


def _metadata_items(data: bytes, start: int, end: int) -> set[int]:
    """Ids of the EXIF and XMP items listed in iinf."""
    version = data[start]
    pos = start + 4 + (2 if version == 0 else 4)
    found = set()
    for kind, body, stop in _boxes(data, pos, end):
        if kind != b"infe" or data[body] < 2:
            continue
        version, pos = data[body], body + 4
        if version == 2:
            (item_id,) = struct.unpack_from(">H", data, pos)
            pos += 2
        else:
            (item_id,) = struct.unpack_from(">I", data, pos)
            pos += 4
        item_type = data[pos + 2:pos + 6]
        names = data[pos + 6:stop].split(b"\x00")
        content_type = names[1] if len(names) > 1 else b""
        if item_type == b"Exif" or (item_type == b"mime" and b"xml" in content_type.lower()):
            found.add(item_id)
    return found


def _uint(data: bytes, pos: int, size: int) -> int:
    return int.from_bytes(data[pos:pos + size], "big") if size else 0


def _locations(data: bytes, start: int, end: int, wanted: set[int]):
    """(construction method, offset, length) of every extent of the wanted items."""
    version = data[start]
    pos = start + 4
    offset_size, length_size = data[pos] >> 4, data[pos] & 0x0F
    base_size, index_size = data[pos + 1] >> 4, (data[pos + 1] & 0x0F) if version in (1, 2) else 0
    pos += 2
    id_size = 4 if version == 2 else 2
    count = _uint(data, pos, id_size)
    pos += id_size
    for _ in range(count):
        item_id = _uint(data, pos, id_size)
        pos += id_size
        method = 0
        if version in (1, 2):
            method = _uint(data, pos, 2) & 0x0F
            pos += 2
        pos += 2  # data_reference_index
        base = _uint(data, pos, base_size)
        pos += base_size
        extents = _uint(data, pos, 2)
        pos += 2
        for _ in range(extents):
            pos += index_size
            offset, length = _uint(data, pos, offset_size), _uint(data, pos + offset_size, length_size)
            pos += offset_size + length_size
            if pos > end:
                raise Malformed("iloc runs past its box")
            if item_id in wanted:
                yield method, base + offset, length
