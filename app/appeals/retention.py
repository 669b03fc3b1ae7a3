"""Data retention (§12): photos and signatures of closed appeals, abandoned appeals."""
from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, or_, select

from app.appeals.ticket_reading import forget_expired_photos
from app.extensions import db
from app.models import Appeal, AppealStatus, EvidencePhoto
from app.models.base import utcnow

log = logging.getLogger(__name__)
BATCH = 50
CLOSED = (AppealStatus.MAILED, AppealStatus.REFUNDED, AppealStatus.CANCELLED)
BEFORE_PAYMENT = (AppealStatus.STARTED, AppealStatus.LETTER_READY, AppealStatus.WRITING_NEEDED,
                  AppealStatus.AWAITING_PAYMENT, AppealStatus.PAYMENT_FAILED)
CLOSED_KEEP = timedelta(days=90)
ABANDONED_KEEP = timedelta(days=30)


def retention() -> str:
    """Delete photos and signatures of closed appeals after 90 days; abandoned appeals after 30.

    A closed appeal's last change is the move to its closed status, so `updated_at` is when
    it closed. Files go first and rows after, so a storage failure leaves the rows to retry
    on the next run rather than files nobody can find. The consent audit log is untouched.
    """
    storage = current_app.extensions.get("storage")
    now = utcnow()
    closed = db.session.execute(
        select(Appeal).where(Appeal.status.in_(CLOSED), Appeal.updated_at < now - CLOSED_KEEP,
                             or_(Appeal.signature_key.is_not(None), Appeal.signature_name.is_not(None),
                                 Appeal.photos.any()))
        .limit(BATCH)).scalars().all()
    cleared = sum(_clear_personal_files(appeal, storage) for appeal in closed)
    abandoned = db.session.execute(
        select(Appeal).where(Appeal.status.in_(BEFORE_PAYMENT),
                             Appeal.updated_at < now - ABANDONED_KEEP).limit(BATCH)).scalars().all()
    deleted = 0
    for appeal in abandoned:
        if _delete_files(appeal, storage):
            db.session.execute(delete(Appeal).where(Appeal.id == appeal.id))
            db.session.commit()
            deleted += 1
    db.session.commit()
    expired = forget_expired_photos()  # ticket photos read but never used for an appeal
    return (f"{cleared} closed appeals cleared of photos and signatures, {deleted} abandoned appeals "
            f"deleted, {expired} unused ticket photos deleted")


def _delete_files(appeal: Appeal, storage) -> bool:
    """Delete the appeal's stored files; False (and nothing changed) if that is not possible."""
    keys = [key for photo in appeal.photos for key in (photo.storage_key, photo.print_copy_key)]
    if appeal.signature_key:
        keys.append(appeal.signature_key)
    if keys and storage is None:
        log.warning("retention: no file storage configured, files kept", extra={"appeal_id": appeal.id})
        return False
    for key in keys:
        try:
            storage.delete(key)
        except Exception:  # one unreachable file must not stop the whole run
            log.exception("retention: file not deleted", extra={"appeal_id": appeal.id})
            return False
    return True


def _clear_personal_files(appeal: Appeal, storage) -> int:
    if not _delete_files(appeal, storage):
        return 0
    db.session.execute(delete(EvidencePhoto).where(EvidencePhoto.appeal_id == appeal.id))
    appeal.signature_key = None
    appeal.signature_name = None
    db.session.commit()
    return 1
