"""The driver's signature: a PNG drawn on the sign page's canvas, or a typed name.

The canvas script sends a `data:image/png;base64,…` URL. It is believed only after the
bytes prove to be a PNG (filetype, then Pillow's PNG parser alone), at most 200 KB and
3000 pixels a side before anything is decoded, not blank; it is then re-encoded so nothing
but pixels is stored (the same bounded decoder as evidence photos, `image_scrub`).
"""
from __future__ import annotations

import base64
import binascii
import io
import secrets

import filetype

from app.appeals import image_scrub
from app.appeals.photos import forget_files
from app.appeals.service import FieldProblem, ensure_editable
from app.extensions import db
from app.models import Appeal

MAX_SIGNATURE_BYTES = 200 * 1024
MAX_SIDE = 3000
PREFIX = "data:image/png;base64,"


class SignatureTooLarge(FieldProblem):
    def __init__(self):
        super().__init__("signature_data", "That signature image is larger than 200 KB. Please "
                                           "clear it and sign again, or type your name instead.")


def decode_png(data_url: str) -> bytes:
    """The PNG bytes of a drawn signature, cleaned; FieldProblem when it is not one."""
    if len(data_url) > (MAX_SIGNATURE_BYTES * 4) // 3 + len(PREFIX) + 8:
        raise SignatureTooLarge()
    if not data_url.startswith(PREFIX):
        raise _not_png()
    try:
        raw = base64.b64decode(data_url[len(PREFIX):], validate=True)
    except (binascii.Error, ValueError):
        raise _not_png() from None
    if len(raw) > MAX_SIGNATURE_BYTES:
        raise SignatureTooLarge()
    kind = filetype.guess(raw[:512])
    if kind is None or kind.mime != "image/png":
        raise _not_png()
    try:
        image = image_scrub.decode(raw, "image/png", max_side=MAX_SIDE)
        blank = image.convert("RGBA").getchannel("A").getbbox() is None
    except ValueError:  # image_scrub's TooManyPixels and Unreadable, or a mode without alpha
        raise _not_png() from None
    if blank:
        raise FieldProblem("signature_data", "The signature box is empty. Please sign, or type "
                                             "your full name instead.")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def save_signature(appeal: Appeal, png: bytes | None, typed_name: str | None, storage) -> None:
    ensure_editable(appeal)
    if png is None and not typed_name:
        raise FieldProblem("signature_name", "Please sign in the box, or type your full name.")
    old_key = appeal.signature_key
    new_key = None
    if png is not None:
        new_key = f"appeals/{appeal.public_id}/signature-{secrets.token_hex(8)}.png"
        storage.save(new_key, png, "image/png")
    try:
        appeal.signature_key = new_key
        appeal.signature_name = typed_name or appeal.driver_name
        db.session.commit()
    except BaseException:
        db.session.rollback()
        forget_files(storage, [new_key] if new_key else [])
        raise
    if old_key and old_key != new_key:
        forget_files(storage, [old_key])


def _not_png() -> FieldProblem:
    return FieldProblem("signature_data", "We couldn't read that signature. Please clear it and "
                                          "sign again, or type your full name instead.")
