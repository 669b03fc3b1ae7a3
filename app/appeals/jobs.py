"""Appeal jobs: queued AI requests and data retention (§6, §12)."""
from __future__ import annotations

import logging
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, or_, select, update

from app.appeals.ai_runner import claim, run_request
from app.extensions import db
from app.integrations.ai import PoolFull
from app.models import AiRequest, AiRequestStatus, Appeal, AppealStatus, EvidencePhoto
from app.models.base import utcnow

log = logging.getLogger(__name__)
BATCH = 50
LOST_AFTER = timedelta(minutes=10)  # far past any provider timeout: the worker died


def run_ai_queue() -> str:
    """Start due queued requests in this instance's pool, claiming each atomically."""
    lost = _fail_lost_requests()
    pool = current_app.extensions["ai_pool"]
    due = db.session.execute(
        select(AiRequest.id).where(AiRequest.status == AiRequestStatus.QUEUED,
                                   AiRequest.run_after <= utcnow())
        .order_by(AiRequest.run_after).limit(BATCH)).scalars().all()
    db.session.commit()
    started = 0
    for request_id in due:
        try:
            slot = pool.reserve()
        except PoolFull:
            break  # the rest stay queued for the next run (or another instance)
        if not claim(request_id):
            slot.release()
            continue
        pool.submit(slot, run_request, request_id, None, True)
        started += 1
    return f"{started} started, {len(due) - started} left, {lost} lost marked failed"


def _fail_lost_requests() -> int:
    result = db.session.execute(
        update(AiRequest).where(AiRequest.status == AiRequestStatus.RUNNING,
                                AiRequest.started_at < utcnow() - LOST_AFTER)
        .values(status=AiRequestStatus.FAILED, outcome="error", finished_at=utcnow(),
                error="worker lost (instance stopped while writing)"))
    db.session.commit()
    if result.rowcount:
        log.warning("AI requests lost by a stopped worker", extra={"count": result.rowcount})
    return result.rowcount


S = AppealStatus
CLOSED = (S.MAILED, S.REFUNDED, S.CANCELLED)
BEFORE_PAYMENT = (S.STARTED, S.LETTER_READY, S.WRITING_NEEDED, S.AWAITING_PAYMENT, S.PAYMENT_FAILED)
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
    return f"{cleared} closed appeals cleared of photos and signatures, {deleted} abandoned appeals deleted"


def _delete_files(appeal: Appeal, storage) -> bool:
    """Delete the appeal's stored files; False (and nothing changed) if that is not possible."""
    keys = [photo.storage_key for photo in appeal.photos]
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
