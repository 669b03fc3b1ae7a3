"""The ai_queue job (atomic claims, lost workers) and the retention job (§6, §12)."""
import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, update

from app.drafting.runner import claim
from app.extensions import db
from app.jobs.runner import run_job
from app.models import AiRequest, Appeal, ConsentAuditLog, EvidencePhoto
from tests.drafts.conftest import make_appeal, requests_of


def _now() -> datetime:
    """Read when used: a constant taken at import is minutes old by the time a long run
    reaches these tests, and "five minutes from now" would already be due."""
    return datetime.now(timezone.utc)


def _queued_request(app, public_id: str, **values) -> int:
    with app.app_context():
        appeal = db.session.execute(select(Appeal).filter_by(public_id=public_id)).scalar_one()
        row = AiRequest(appeal_id=appeal.id, client_ip="127.0.0.1", **values)
        db.session.add(row)
        db.session.commit()
        row_id = row.id
        db.session.remove()
        return row_id


@pytest.mark.both_databases
def test_a_queued_request_is_claimed_exactly_once(app_factory, backend):
    apps = [app_factory(), app_factory()]  # two instances on one database
    request_id = _queued_request(apps[0], make_appeal(apps[0]))
    results, barrier = [], threading.Barrier(8)

    def contend(app):
        with app.app_context():
            barrier.wait(5)
            results.append(claim(request_id))
            db.session.remove()

    threads = [threading.Thread(target=contend, args=(apps[i % 2],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(results) == [False] * 7 + [True]


def test_job_leaves_future_requests_and_fails_lost_ones(ai_app, llm):
    app = ai_app()
    appeal_id = make_appeal(app)
    later = _queued_request(app, appeal_id, run_after=_now() + timedelta(minutes=5))
    lost = _queued_request(app, appeal_id, status="running", started_at=_now() - timedelta(minutes=30))
    assert run_job(app, "ai_queue") == "ok"
    rows = {r.id: r for r in requests_of(app, appeal_id)}
    assert rows[later].status == "queued"
    assert rows[lost].status == "failed" and rows[lost].outcome == "error"
    assert llm.bodies == []
    client = app.test_client()
    body = client.get(f"/appeals/{appeal_id}/draft", headers={"Accept": "application/json"}).get_json()
    assert body["state"] in ("queued", "failed") and "Traceback" not in body["message"]


def _appeal_with_files(app, storage, status, age_days, **values) -> tuple[str, list[str]]:
    public_id = make_appeal(app, status=status, **values)
    keys = [f"appeals/{public_id}/photos/a.jpg", f"appeals/{public_id}/signature.png"]
    with app.app_context():
        appeal = db.session.execute(select(Appeal).filter_by(public_id=public_id)).scalar_one()
        storage.save(keys[0], b"\xff\xd8photo", "image/jpeg")
        storage.save(keys[1], b"\x89PNGsig", "image/png")
        db.session.add(EvidencePhoto(appeal_id=appeal.id, storage_key=keys[0], content_type="image/jpeg",
                                     size_bytes=7, sha256="0" * 64))
        appeal.signature_key, appeal.signature_name = keys[1], "Jane Driver"
        db.session.commit()
        db.session.execute(update(Appeal).where(Appeal.id == appeal.id)
                           .values(updated_at=_now() - timedelta(days=age_days)))
        db.session.commit()
        db.session.remove()
    return public_id, keys


@pytest.mark.both_databases
def test_retention_clears_old_closed_appeals_and_deletes_abandoned_ones(app_factory, backend):
    app = app_factory()
    storage = app.extensions["storage"]
    old_mailed, old_mailed_keys = _appeal_with_files(app, storage, "mailed", 91)
    old_cancelled, old_cancelled_keys = _appeal_with_files(app, storage, "cancelled", 120)
    recent_mailed, recent_keys = _appeal_with_files(app, storage, "mailed", 30)
    abandoned, abandoned_keys = _appeal_with_files(app, storage, "letter_ready", 31)
    fresh, fresh_keys = _appeal_with_files(app, storage, "awaiting_payment", 5)
    paid, paid_keys = _appeal_with_files(app, storage, "paid", 200)
    _queued_request(app, abandoned)
    with app.app_context():
        db.session.add(ConsentAuditLog(email="jane@example.com", action="consent_given",
                                       source="web_form", wording_version="v1"))
        db.session.commit()
        db.session.remove()

    assert run_job(app, "retention") == "ok"

    with app.app_context():
        for public_id, keys in ((old_mailed, old_mailed_keys), (old_cancelled, old_cancelled_keys)):
            appeal = db.session.execute(select(Appeal).filter_by(public_id=public_id)).scalar_one()
            assert appeal.photos == [] and appeal.signature_key is None and appeal.signature_name is None
            assert not any(storage.exists(k) for k in keys)
        assert db.session.execute(select(Appeal).filter_by(public_id=abandoned)).scalar_one_or_none() is None
        assert not any(storage.exists(k) for k in abandoned_keys)
        assert db.session.execute(select(func.count()).select_from(AiRequest)).scalar() == 0
        for public_id, keys in ((recent_mailed, recent_keys), (fresh, fresh_keys), (paid, paid_keys)):
            appeal = db.session.execute(select(Appeal).filter_by(public_id=public_id)).scalar_one()
            assert len(appeal.photos) == 1 and appeal.signature_key == keys[1]
            assert all(storage.exists(k) for k in keys)
        assert db.session.execute(select(func.count()).select_from(ConsentAuditLog)).scalar() == 1
        db.session.remove()
    assert run_job(app, "retention") == "ok"  # nothing left to do, nothing breaks
