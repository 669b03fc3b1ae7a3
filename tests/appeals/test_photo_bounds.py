"""Decoding a photo is bounded: hostile files are refused at once, phone formats are accepted.

Every request is timed in a thread (`within`), so a decoder that loops for hours fails the
test instead of hanging it.
"""
import io
import struct
import zlib

import pytest
from PIL import Image

from tests.appeals.conftest import start_appeal, token_for
from tests.appeals.image_files import (SECRET, bmff_boxes, exif_with_gps, heic, jpeg_segments,
                                       mpo, saved, ultra_hdr)
from tests.appeals.uploads import stored_bytes, stored_photos, upload, within


def _box(kind: bytes, payload: bytes, version: int | None = None) -> bytes:
    if version is not None:  # a full box: version and flags first
        payload = bytes([version, 0, 0, 0]) + payload
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))


def _png_declaring(width: int, height: int) -> bytes:
    """A well-formed PNG header (CRCs right) declaring a size, with a few bytes of pixels."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header)
            + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + _png_chunk(b"IEND", b""))


def _post_timed(client, public_id, name, content, seconds=5.0):
    token = token_for(client, f"/appeals/{public_id}/photos")
    return within(seconds, lambda: upload(client, public_id, (name, content), token=token))


def test_an_89_byte_heic_declaring_four_billion_items_is_refused_at_once(web, open_app):
    """The attack that kept a core busy for hours: `iloc` with 0xFFFFFFFF items, no extents."""
    infe = _box(b"infe", struct.pack(">HH4s", 1, 0, b"Exif") + b"\x00", version=2)
    iinf = _box(b"iinf", struct.pack(">H", 1) + infe, version=0)
    iloc = _box(b"iloc", bytes([0x44, 0x00]) + struct.pack(">I", 0xFFFFFFFF), version=2)
    attack = _box(b"ftyp", b"heic" + b"\x00" * 4 + b"mif1heic") + _box(b"meta", iinf + iloc, version=0)
    assert len(attack) == 89
    public_id = start_appeal(web)
    response, seconds = _post_timed(web, public_id, "IMG_0001.HEIC", attack)
    assert response.status_code == 415 and seconds < 1.0
    html = response.get_data(as_text=True)
    assert "read that photo; it may be damaged" in html and "Traceback" not in html
    assert stored_photos(open_app, public_id) == []


def test_a_heic_photo_is_stored_as_a_jpeg_of_its_primary_picture(web, open_app):
    """Decoded by libheif, re-encoded like a JPEG: no EXIF or XMP, the second picture ignored."""
    primary, other = Image.new("RGB", (64, 48), (30, 160, 60)), Image.new("RGB", (32, 32), (0, 0, 250))
    original = heic(primary, other, exif=exif_with_gps(), xmp=b"<x:xmpmeta>" + SECRET + b"</x:xmpmeta>")
    assert SECRET in original
    public_id = start_appeal(web)
    response, _ = _post_timed(web, public_id, "IMG_0002.HEIC", original)
    assert response.status_code == 303
    [(key, content_type, _, _)] = stored_photos(open_app, public_id)
    stored = stored_bytes(open_app, key)
    assert content_type == "image/jpeg" and key.endswith(".jpg")
    assert SECRET not in stored and b"Exif" not in stored and b"xmpmeta" not in stored
    picture = Image.open(io.BytesIO(stored))
    assert picture.format == "JPEG" and picture.size == (64, 48)
    red, green, blue = picture.getpixel((32, 24))
    assert abs(red - 30) < 20 and abs(green - 160) < 20 and abs(blue - 60) < 20


def test_heic_files_that_cannot_be_read_are_refused(web, open_app):
    whole = heic(Image.new("RGB", (64, 48), (30, 160, 60)))
    ftyp = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"
    for content in (whole[:len(whole) // 2], ftyp + b"\x00" * 100,
                    ftyp + b"\x00\x00\x01\x00meta" + b"\x00" * 40):
        public_id = start_appeal(web)
        response, seconds = _post_timed(web, public_id, "IMG_0003.HEIC", content)
        assert response.status_code == 415 and seconds < 1.0
        assert "read that photo; it may be damaged" in response.get_data(as_text=True)
        assert stored_photos(open_app, public_id) == []


def _jpeg_declaring(width: int, height: int) -> bytes:
    data = bytearray(saved(Image.new("RGB", (16, 16), "gray"), "JPEG"))
    sof = next(unit for unit in jpeg_segments(bytes(data)) if unit.kind == b"\xc0")
    data[sof.start + 5:sof.start + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def _webp_canvas(width: int, height: int) -> bytes:
    """An animated WebP whose canvas (which may be larger than its frames) is `width`x`height`."""
    frames = [Image.new("RGB", (16, 16), colour) for colour in ("red", "blue")]
    data = bytearray(saved(frames[0], "WEBP", save_all=True, append_images=frames[1:]))
    assert data[12:16] == b"VP8X"
    data[24:30] = (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    return bytes(data)


def _heic_declaring(width: int, height: int) -> bytes:
    data = bytearray(heic(Image.new("RGB", (64, 64), "gray")))  # 64: no crop (clap) box
    ispe = next(unit for unit in bmff_boxes(bytes(data)) if unit.kind == b"ispe")
    data[ispe.start + 12:ispe.start + 20] = struct.pack(">II", width, height)
    return bytes(data)


@pytest.mark.parametrize("name, content", [
    ("bomb.png", _png_declaring(100_000, 100_000)),  # beyond twice Pillow's own bomb limit
    ("wide.png", _png_declaring(10_000, 7_000)),  # 70 megapixels
    ("long.png", _png_declaring(40_000, 10)),  # few pixels, but a side no photo has
    ("bomb.jpg", _jpeg_declaring(65_535, 65_535)),
    ("bomb.webp", _webp_canvas(16_383, 16_383)),
    ("bomb.heic", _heic_declaring(20_000, 20_000)),
], ids=lambda value: value if isinstance(value, str) else "")
def test_images_declaring_too_many_pixels_are_413_before_decoding(web, open_app, name, content):
    public_id = start_appeal(web)
    response, seconds = _post_timed(web, public_id, name, content)
    assert response.status_code == 413 and seconds < 1.0
    assert "too many pixels" in response.get_data(as_text=True)
    assert stored_photos(open_app, public_id) == []


def test_a_progressive_jpeg_of_thousands_of_scans_is_refused_at_once(web, open_app):
    """libjpeg re-reads the whole picture for every scan: 2,000 scans took ~9 s to decode."""
    ordinary = saved(Image.new("L", (2000, 2000), 128), "JPEG", progressive=True)
    scans = [unit for unit in jpeg_segments(ordinary) if unit.kind == b"\xda"]
    assert len(scans) == 1  # jpeg_segments stops at the first scan; the file has more
    last_scan = ordinary.rindex(b"\xff\xda")
    padded = ordinary[:-2] + ordinary[last_scan:-2] * 2000 + b"\xff\xd9"
    public_id = start_appeal(web)
    response, seconds = _post_timed(web, public_id, "progressive.jpg", padded)
    assert response.status_code == 422 and seconds < 2.0
    assert "screenshot" in response.get_data(as_text=True)
    accepted, _ = _post_timed(web, public_id, "progressive.jpg", ordinary)
    assert accepted.status_code == 303
    assert len(stored_photos(open_app, public_id)) == 1


@pytest.mark.parametrize("fmt", ["WEBP", "PNG"])
def test_only_the_first_frame_of_an_animation_is_stored(web, open_app, fmt):
    frames = [Image.new("RGB", (24, 24), colour) for colour in ("red", "lime", "blue")]
    animated = saved(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100,
                     **({"lossless": True} if fmt == "WEBP" else {}))
    public_id = start_appeal(web)
    response, _ = _post_timed(web, public_id, f"moving.{fmt.lower()}", animated)
    assert response.status_code == 303
    [(key, content_type, _, _)] = stored_photos(open_app, public_id)
    picture = Image.open(io.BytesIO(stored_bytes(open_app, key)))
    assert content_type == f"image/{fmt.lower()}" and getattr(picture, "n_frames", 1) == 1
    red, green, blue = picture.convert("RGB").getpixel((12, 12))
    assert red > 240 and green < 15 and blue < 15  # the first frame, re-encoded


@pytest.mark.parametrize("make", [
    lambda: mpo(Image.new("RGB", (64, 48), (220, 20, 20)), Image.new("RGB", (64, 48), (20, 20, 220))),
    lambda: ultra_hdr(Image.new("RGB", (64, 48), (220, 20, 20))),
], ids=["mpo", "ultra-hdr"])
def test_multi_picture_jpegs_are_stored_as_their_primary_picture(web, open_app, make):
    """Many phones write MPO; Ultra HDR photos carry a gain-map JPEG after the picture."""
    original = make()
    assert original.count(b"\xff\xd8") >= 2 and b"MPF\x00" in original
    public_id = start_appeal(web)
    response, _ = _post_timed(web, public_id, "PXL_0001.jpg", original)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    [(key, content_type, _, _)] = stored_photos(open_app, public_id)
    stored = stored_bytes(open_app, key)
    assert content_type == "image/jpeg"
    assert stored.count(b"\xff\xd8") == 1 and b"MPF" not in stored and b"hdrgm" not in stored
    picture = Image.open(io.BytesIO(stored))
    assert picture.format == "JPEG" and picture.size == (64, 48)
    assert picture.getpixel((32, 24))[0] > 180  # the red primary, not the blue second picture
