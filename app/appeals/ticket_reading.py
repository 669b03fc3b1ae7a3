"""Reading a ticket photo at the start step (§18), and holding it until the appeal exists.

The photo is checked and cleaned exactly as an evidence photo is (`evidence.clean`: type
from the bytes, 5 MB, bounded decoding, only pixels kept), so a hostile file gets the
upload step's answers before any reader sees it. The cleaned picture then goes to the
ticket reader through the `ocr` breaker. A file the reader refuses is the driver's, and a
full pool is load, not a fault: neither counts against the breaker. A slow, failing or
unavailable reader only means the driver types the fields; `TicketRead.problem` says so
in one line.

The cleaned photo waits in `pending_ticket_photos` under the sha256 of a random key that
only the driver's form carries, until the appeal is started (it then becomes exhibit 1)
or it expires (deleted when the next photo is held, and by the retention job).
"""
from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select

from app.appeals.evidence import CleanFile, Rejected, clean
from app.cities import registry
from app.extensions import db
from app.integrations.ocr import (ImageRejected, KnownCity, OcrBusy, OcrError, OcrTimeout,
                                  TicketReading, ticket_reader)
from app.integrations.storage import StorageError
from app.models import Appeal, EvidencePhoto, PendingTicketPhoto
from app.models.base import as_utc, utcnow
from app.resilience.breakers import OpenCircuit, guard

log = logging.getLogger(__name__)

PENDING_FOR = timedelta(hours=2)  # from reading the ticket to starting the appeal
BUSY = "Ticket reading is busy right now, so please type the details from your ticket below."
SLOW = "Reading your photo took too long, so please type the details from your ticket below."
DOWN = "Ticket reading isn't working right now, so please type the details from your ticket below."
TRY_AGAIN = "Please take a new photo of your ticket, or type its details below."


@dataclass(frozen=True)
class TicketRead:
    reading: TicketReading | None  # None when the reader could not be used
    problem: str | None  # the one line the driver sees when it could not
    retry_after: int = 0  # seconds, for the API's 503 when the reader was not available


def read_ticket(data: bytes) -> tuple[CleanFile, TicketRead]:
    """Check and clean the photo (Rejected: 413/415/422), then read it."""
    if not data:
        raise Rejected(422, "Please choose a photo of your ticket, or type its details below.")
    photo = clean(data, "")
    if photo.content_type == "application/pdf":
        raise Rejected(415, "Please choose a photo of your ticket (JPEG, PNG, WebP or HEIC), "
                            "not a PDF, or type its details below.")
    return photo, _read(photo.data)


def _read(photo: bytes) -> TicketRead:
    refused: OcrError | None = None
    try:
        with guard("ocr"):
            try:
                reading = ticket_reader().read(photo, known_cities())
                log.info("ticket read", extra={"seconds": reading.seconds})
                return TicketRead(reading, None)
            except (ImageRejected, OcrBusy) as exc:
                refused = exc  # leave the breaker's block normally: the reader did not fail
    except OpenCircuit as exc:
        # The call that trips the breaker ends here too, with its own failure as the context.
        slow = isinstance(exc.__context__, OcrTimeout)
        return TicketRead(None, SLOW if slow else DOWN, retry_after=30)
    except OcrTimeout:
        log.warning("ticket reading timed out")
        return TicketRead(None, SLOW, retry_after=5)
    except OcrError as exc:
        log.warning("ticket reading failed", extra={"error": str(exc)})
        return TicketRead(None, DOWN, retry_after=30)
    if isinstance(refused, ImageRejected):  # its message is a plain sentence for the driver
        raise Rejected(413 if "too large" in str(refused) else 415, f"{refused} {TRY_AGAIN}")
    return TicketRead(None, BUSY, retry_after=5)


def known_cities() -> list[KnownCity]:
    """The cities the reader may recognise: how a ticket names them, their number formats."""
    return [KnownCity(slug=city.slug, names=(city.name, *(a.name for a in city.agencies)),
                      citation_patterns=tuple(p for a in city.agencies for p in a.compiled))
            for city in registry.all()]


def hold_photo(photo: CleanFile) -> str:
    """Keep the cleaned photo until the appeal is started; returns the driver's key."""
    now = utcnow()
    db.session.execute(delete(PendingTicketPhoto).where(PendingTicketPhoto.expires_at < now))
    key = secrets.token_urlsafe(24)
    db.session.add(PendingTicketPhoto(key_hash=_hash(key), data=photo.data,
                                      content_type=photo.content_type, size_bytes=photo.size,
                                      sha256=photo.sha256, expires_at=now + PENDING_FOR))
    db.session.commit()
    return key


def attach_held_photo(appeal: Appeal, key: str | None, storage) -> bool:
    """Store the held photo as the appeal's first exhibit (kind "ticket"); False when
    there is none under that key (never held, expired or already used) or it could not
    be stored, in which case the driver can still add it on the photos page."""
    held = _held(key) if key else None
    if held is None:
        return False
    storage_key = f"appeals/{appeal.public_id}/photos/{secrets.token_hex(12)}.{_extension(held)}"
    try:
        storage.save(storage_key, held.data, held.content_type)
    except (OSError, StorageError):
        log.warning("ticket photo not stored", extra={"appeal_id": appeal.id})
        return False
    db.session.add(EvidencePhoto(appeal=appeal, storage_key=storage_key, kind="ticket",
                                 content_type=held.content_type, size_bytes=held.size_bytes,
                                 sha256=held.sha256))
    db.session.delete(held)
    db.session.commit()
    return True


def forget_expired_photos() -> int:
    """Delete held photos past their expiry (the retention job); returns how many."""
    result = db.session.execute(delete(PendingTicketPhoto)
                                .where(PendingTicketPhoto.expires_at < utcnow()))
    db.session.commit()
    return result.rowcount or 0


def _held(key: str) -> PendingTicketPhoto | None:
    held = db.session.execute(select(PendingTicketPhoto)
                              .filter_by(key_hash=_hash(key))).scalar_one_or_none()
    if held is None or as_utc(held.expires_at) < utcnow():
        return None
    return held


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _extension(held: PendingTicketPhoto) -> str:
    return {"image/png": "png", "image/webp": "webp"}.get(held.content_type, "jpg")
