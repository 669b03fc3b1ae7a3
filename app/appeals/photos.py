"""Evidence photos of an appeal: stored cleaned, recorded with their size and sha256."""
from __future__ import annotations

import logging
import secrets
from typing import BinaryIO

from app.appeals.evidence import MAX_FILE_BYTES, Rejected, clean
from app.appeals.service import ensure_editable
from app.extensions import db
from app.integrations.storage import StorageError
from app.models import Appeal, EvidencePhoto

log = logging.getLogger(__name__)

MAX_PHOTOS = 12
MAX_FILES_PER_POST = 5
# The request may carry MAX_FILES_PER_POST full-size photos plus the form around them.
MAX_POST_BYTES = MAX_FILES_PER_POST * MAX_FILE_BYTES + 256 * 1024


def add_photos(appeal: Appeal, files: list[tuple[str, bytes]], storage) -> int:
    """Clean and store every file, or none of them; returns how many were new.

    A file already attached (same sha256) is skipped, so a double-tapped submit does not
    store it twice. Rejected carries the status and message for the driver.
    """
    ensure_editable(appeal)
    if len(files) > MAX_FILES_PER_POST:
        raise Rejected(413, f"Please choose at most {MAX_FILES_PER_POST} files at a time.")
    cleaned = [clean(data, name) for name, data in files]
    known = {photo.sha256 for photo in appeal.photos}
    fresh = []
    for item in cleaned:
        if item.sha256 not in known:
            known.add(item.sha256)
            fresh.append(item)
    if len(appeal.photos) + len(fresh) > MAX_PHOTOS:
        raise Rejected(422, f"An appeal can carry at most {MAX_PHOTOS} photos. Please remove one "
                            "before adding more.")
    stored: list[str] = []
    try:
        for item in fresh:
            key = f"appeals/{appeal.public_id}/photos/{secrets.token_hex(12)}.{item.extension}"
            storage.save(key, item.data, item.content_type)
            stored.append(key)
            db.session.add(EvidencePhoto(appeal=appeal, storage_key=key, content_type=item.content_type,
                                         size_bytes=item.size, sha256=item.sha256))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        forget_files(storage, stored)
        raise
    return len(fresh)


def find_photo(appeal: Appeal, photo_id: int) -> EvidencePhoto | None:
    return next((photo for photo in appeal.photos if photo.id == photo_id), None)


def remove_photo(appeal: Appeal, photo: EvidencePhoto, storage) -> None:
    ensure_editable(appeal)
    keys = [photo.storage_key, photo.print_copy_key]  # the letter's print copy goes too
    appeal.photos.remove(photo)
    db.session.commit()
    forget_files(storage, keys)


def open_photo(photo: EvidencePhoto, storage) -> BinaryIO:
    return storage.open(photo.storage_key)


def forget_files(storage, keys: list[str]) -> None:
    """Delete stored files; a failure only leaves an orphan for the retention job."""
    for key in keys:
        try:
            storage.delete(key)
        except (OSError, StorageError):
            log.warning("could not delete a stored file", extra={"key": key})
