"""Operator actions through HTTP, each checked through its effect."""
import csv
import io

import pybreaker
import pytest
import requests

from app.extensions import db
from app.models import Appeal, AppealStatus, ConsentAuditLog, JobRun
from app.resilience.breakers import guard
from tests.admin.conftest import OPERATOR, csrf_token


def _token(client, path="/admin/"):
    return csrf_token(client.get(path).get_data(as_text=True))


def _paid_appeal(app) -> str:
    with app.app_context():
        appeal = Appeal(city_slug="sf", citation_number="912345678", status=AppealStatus.PAID,
                        driver_name="Dana Driver", email="dana@example.com",
                        return_address="1 Main St\nSan Francisco, CA 94110",
                        letter_text="To whom it may concern,\nI was parked legally.",
                        letter_source="ai", letter_version=1)
        db.session.add(appeal)
        db.session.commit()
        return appeal.public_id


def test_dashboard_shows_health_breakers_queues_and_jobs(admin_client):
    page = admin_client.get("/admin/").get_data(as_text=True)
    for text in ("Service is", "healthy", "Circuit breakers", "stripe", "Email outbox",
                 "Failed webhooks", "AI queue", "email_outbox", "Recent alerts"):
        assert text in page, text


def test_reset_an_open_breaker(app, admin_client):
    with app.app_context():
        for _ in range(3):
            with pytest.raises((requests.ConnectionError, pybreaker.CircuitBreakerError)):
                with guard("stripe"):
                    requests.get("http://127.0.0.1:1/", timeout=1)
        assert app.extensions["breakers"].snapshot("stripe")["state"] == "open"
    page = admin_client.get("/admin/").get_data(as_text=True)
    assert 'id="breaker-stripe"' in page and ">open<" in page
    response = admin_client.post("/admin/breakers/stripe/reset", data={"csrf_token": _token(admin_client)})
    assert response.status_code == 303
    assert app.extensions["breakers"].snapshot("stripe")["state"] == "closed"


def test_unknown_breaker_is_404(admin_client):
    response = admin_client.post("/admin/breakers/nope/reset", data={"csrf_token": _token(admin_client)})
    assert response.status_code == 404


def test_search_and_detail_point_to_the_print_queue(app, admin_client):
    public_id = _paid_appeal(app)
    listing = admin_client.get("/admin/appeals/?q=9123-45678").get_data(as_text=True)
    assert "912345678" in listing
    assert "912345678" in admin_client.get("/admin/appeals/?q=dana@example.com").get_data(as_text=True)
    assert "No appeals match" in admin_client.get("/admin/appeals/?status=refunded").get_data(as_text=True)

    detail = admin_client.get(f"/admin/appeals/{public_id}").get_data(as_text=True)
    assert "I was parked legally." in detail and "Record it mailed in the print queue" in detail
    # Marking mailed without a date is gone: tests/admin/test_print_queue.py covers recording it.
    response = admin_client.post(f"/admin/appeals/{public_id}/mailed",
                                 data={"csrf_token": csrf_token(detail)})
    assert response.status_code in (404, 405)
    with app.app_context():
        appeal = db.session.execute(db.select(Appeal).filter_by(public_id=public_id)).scalar_one()
        assert appeal.status == AppealStatus.PAID and appeal.mailed_at is None


def test_consent_log_search_and_csv(app, admin_client):
    with app.app_context():
        db.session.add_all([
            ConsentAuditLog(email="a@example.com", action="consent_given", source="web_form",
                            ip_address="203.0.113.5", user_agent="Phone", wording_version="v1"),
            ConsentAuditLog(email="b@example.com", action="unsubscribe", source="one_click",
                            ip_address="203.0.113.6", user_agent="Mail", reason="=HYPERLINK(\"x\")"),
        ])
        db.session.commit()
    page = admin_client.get("/admin/consent/?email=a@example.com").get_data(as_text=True)
    assert "203.0.113.5" in page and "b@example.com" not in page
    response = admin_client.get("/admin/consent/export.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert {row["email"] for row in rows} == {"a@example.com", "b@example.com"}
    unsub = next(row for row in rows if row["email"] == "b@example.com")
    assert unsub["ip_address"] == "203.0.113.6" and unsub["reason"].startswith("'=")


def test_run_a_job_now(app, admin_client):
    response = admin_client.post("/admin/jobs/cache_purge/run",
                                 data={"csrf_token": _token(admin_client, "/admin/jobs")})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(JobRun, "cache_purge").last_outcome == "ok"
    assert "cache_purge" in admin_client.get("/admin/jobs").get_data(as_text=True)
