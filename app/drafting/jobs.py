"""The AI queue job (§6): start queued draft requests, and fail those a stopped worker lost."""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select, update

from app.drafting.runner import claim, run_request
from app.extensions import db
from app.integrations.ai import PoolFull, ai_pool
from app.models import AiRequest, AiRequestStatus
from app.models.base import utcnow

log = logging.getLogger(__name__)
BATCH = 50
LOST_AFTER = timedelta(minutes=10)  # far past any provider timeout: the worker died


def run_ai_queue() -> str:
    """Start due queued requests in this instance's pool, claiming each atomically."""
    lost = _fail_lost_requests()
    pool = ai_pool()
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
