"""Print copies of the exhibit photos: made by the first letter that prints a photo, kept
beside it in the file store, and re-used by every later letter.

Decoding and scaling a 12-megapixel phone photo took about 50 ms of CPU (a PNG or WebP of
that size, which cannot be decoded at a reduced size, about 250 ms), four times a letter,
every time a letter was built. The copy is the greyscale JPEG the letter embeds (a tenth
of the original's bytes), so a later letter reads it and passes it through untouched
(letter_images). It lives at the photo's own `print_copy_key`, which is deleted with the
photo (the driver removing it, or retention). A copy that cannot be saved only costs the
next letter the same work again; a stored copy that is not print-ready is made again.
"""
from __future__ import annotations

import logging

from app.fulfilment.letter_images import exhibit_image, print_ready
from app.fulfilment.letter_story import EXHIBIT_BOX_IN
from app.integrations.storage import Storage, StorageError
from app.models import EvidencePhoto

log = logging.getLogger(__name__)
PRINT_COPY_TYPE = "image/jpeg"


def print_copy(storage: Storage, photo: EvidencePhoto, label: str) -> bytes | None:
    """The photo as the letter prints it (the stored copy, or one made now and stored);
    None when the photo itself is no longer stored."""
    key = photo.print_copy_key
    stored = stored_bytes(storage, key)
    if stored is not None and print_ready(stored, PRINT_COPY_TYPE, *EXHIBIT_BOX_IN):
        return stored
    original = stored_bytes(storage, photo.storage_key)
    if original is None:
        return None
    made = exhibit_image(original, photo.content_type, *EXHIBIT_BOX_IN, label)
    try:
        storage.save(key, made.data, PRINT_COPY_TYPE)
    except StorageError:
        log.warning("print copy not stored", extra={"photo_id": photo.id})
    return made.data


def stored_bytes(storage: Storage, key: str) -> bytes | None:
    """The file's bytes, or None when the store has no such file (StorageError passes)."""
    try:
        with storage.open(key) as handle:
            return handle.read()
    except FileNotFoundError:
        return None
