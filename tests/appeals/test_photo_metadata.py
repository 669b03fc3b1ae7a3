"""What is stored of a photo is its pixels and colour profile: every kind of metadata is gone.

Each file carries the driver's home address in every place its format allows (EXIF with
GPS, XMP, JPEG comments and APP segments, PNG text chunks, WebP EXIF/XMP chunks, HEIC
items); the stored file, downloaded back from the photo step, is read unit by unit.
"""
import io
import re
import struct

import pytest
from PIL import Image, ImageCms, PngImagePlugin

from tests.appeals.conftest import start_appeal
from tests.appeals.image_files import (SECRET, XMP, exif_with_gps, heic, jpeg_segments,
                                       png_chunks, riff_chunks, saved)
from tests.appeals.uploads import stored_bytes, stored_photos, upload

ICC = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
PICTURE = Image.new("RGB", (64, 48), (90, 120, 200))


def _segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def _jpeg() -> bytes:
    data = saved(PICTURE, "JPEG", exif=exif_with_gps(), xmp=XMP, comment=SECRET, icc_profile=ICC)
    iptc = b"\x1c\x02\x78" + struct.pack(">H", len(SECRET)) + SECRET  # IPTC caption
    photoshop = b"Photoshop 3.0\x00" + b"8BIM\x04\x04\x00\x00" + struct.pack(">I", len(iptc)) + iptc
    extra = _segment(0xED, photoshop) + _segment(0xE3, b"META\x00" + SECRET) + _segment(0xEF, SECRET)
    return data[:2] + extra + data[2:]


def _png() -> bytes:
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", SECRET.decode())
    text.add_text("Location", SECRET.decode(), zip=True)
    text.add_itxt("XML:com.adobe.xmp", XMP.decode())
    text.add(b"tIME", struct.pack(">HBBBBB", 2025, 1, 2, 3, 4, 5))
    return saved(PICTURE, "PNG", pnginfo=text, exif=exif_with_gps(), icc_profile=ICC)


def _webp() -> bytes:
    return saved(PICTURE, "WEBP", exif=exif_with_gps(), xmp=XMP, icc_profile=ICC)


def _heic() -> bytes:
    picture = PICTURE.copy()
    picture.info["icc_profile"] = ICC
    return heic(picture, exif=exif_with_gps(), xmp=XMP)


def _units_of(stored: bytes, content_type: str) -> set[bytes]:
    if content_type == "image/jpeg":
        segments = jpeg_segments(stored)
        for unit in segments:
            body = stored[unit.start + 4:unit.end]
            assert unit.kind != b"\xe0" or (body.startswith(b"JFIF\x00") and len(body) == 14)
            assert unit.kind != b"\xe2" or body.startswith(b"ICC_PROFILE\x00")
        return {unit.kind for unit in segments}
    if content_type == "image/png":
        return {unit.kind for unit in png_chunks(stored)}
    units = riff_chunks(stored)
    vp8x = next((unit for unit in units if unit.kind == b"VP8X"), None)
    if vp8x:
        assert not stored[vp8x.start + 8] & 0x0C  # neither the EXIF nor the XMP flag
    return {unit.kind for unit in units}


# JPEG: JFIF header (APP0, no thumbnail), ICC (APP2), tables, frame, scan: no APP1 (EXIF,
# XMP), APP3-APP15 or COM (FE).
ALLOWED = {"image/jpeg": {b"\xe0", b"\xe2", b"\xdb", b"\xc0", b"\xc4", b"\xda"},
           "image/png": {b"IHDR", b"iCCP", b"IDAT", b"IEND"},
           "image/webp": {b"VP8X", b"ICCP", b"VP8 ", b"VP8L", b"ALPH"}}


@pytest.mark.parametrize("make, stored_as", [(_jpeg, "image/jpeg"), (_png, "image/png"),
                                             (_webp, "image/webp"), (_heic, "image/jpeg")],
                         ids=["jpeg", "png", "webp", "heic"])
def test_only_pixels_and_the_colour_profile_are_stored(web, open_app, make, stored_as):
    original = make()
    assert SECRET in original or b"Location" in original  # zTXt holds it compressed
    public_id = start_appeal(web)
    response = upload(web, public_id, ("photo", original))
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    [(key, content_type, _, _)] = stored_photos(open_app, public_id)
    stored = stored_bytes(open_app, key)
    page = web.get(f"/appeals/{public_id}/photos").get_data(as_text=True)
    downloaded = web.get(re.search(r'<img src="([^"]+)"', page).group(1))
    assert downloaded.status_code == 200 and downloaded.data == stored
    assert content_type == stored_as
    assert _units_of(stored, content_type) <= ALLOWED[content_type]
    for trace in (SECRET, b"Exif", b"xmpmeta", b"Photoshop", b"8BIM", b"Location", b"Comment"):
        assert trace not in stored, trace
    picture = Image.open(io.BytesIO(stored))
    assert picture.info.get("icc_profile") == ICC
    assert not picture.getexif() and "xmp" not in picture.info and "comment" not in picture.info
