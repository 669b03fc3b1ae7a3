"""Every admin route that takes an id answers a bad one with a plain 4xx, on both databases:
out of the database integer's range, negative, zero, non-numeric, unknown, or holding a NUL
(which PostgreSQL text cannot store)."""
import pytest

from app.extensions import db
from app.models import EmailOutbox, OutboxStatus

BAD_NUMBERS = ["99999999999999999999999", "2147483648", "-1", "0", "abc", "1e3", "12345"]
BAD_STRINGS = ["%00", "evt_%00", "x" * 400, "does-not-exist", "evt_missing"]


@pytest.fixture
def operator_client(app, admin_client):
    app.config["WTF_CSRF_ENABLED"] = False  # the id, not the form token, is under test
    return admin_client


def plain_4xx(response, status: int) -> bool:
    body = response.get_data(as_text=True)
    return response.status_code == status and "Traceback" not in body


@pytest.mark.both_databases
@pytest.mark.parametrize("action", ["requeue", "discard"])
def test_email_ids_out_of_range_or_unknown_are_404(operator_client, action):
    for message_id in BAD_NUMBERS:
        response = operator_client.post(f"/admin/email/{message_id}/{action}")
        assert plain_4xx(response, 404), (message_id, response.status_code)


@pytest.mark.both_databases
def test_appeal_and_webhook_ids_that_cannot_exist_are_404(operator_client):
    for value in BAD_STRINGS:
        for method, path in (("get", "/admin/appeals/{}"), ("post", "/admin/print-queue/{}/mailed"),
                             ("get", "/admin/appeals/{}/letter.pdf"), ("get", "/admin/webhooks/{}"),
                             ("post", "/admin/webhooks/{}/replay"),
                             ("post", "/admin/webhooks/{}/resolve")):
            response = getattr(operator_client, method)(path.format(value))
            assert response.status_code in (400, 404), (method, path, value, response.status_code)
            assert "Traceback" not in response.get_data(as_text=True)


@pytest.mark.both_databases
def test_searches_holding_a_nul_are_400(operator_client):
    for path in ("/admin/appeals/?q=%00", "/admin/appeals/?status=%00", "/admin/consent/?email=a%00",
                 "/admin/consent/export.csv?email=%00", "/admin/email/?status=%00",
                 "/admin/webhooks/?status=%00"):
        response = operator_client.get(path)
        assert plain_4xx(response, 400), (path, response.status_code)
        assert "cannot appear here" in response.get_data(as_text=True)


def test_requeue_says_when_a_message_cannot_be_requeued(app, operator_client):
    with app.app_context():
        row = EmailOutbox(recipient="dana@example.com", subject="Receipt", body_text="Thanks",
                          headers={}, idempotency_key="receipt:dead", message_id="<m@fct>",
                          status=OutboxStatus.DEAD, attempts=5)
        db.session.add(row)
        db.session.commit()
        message_id = row.id
    first = operator_client.post(f"/admin/email/{message_id}/requeue", follow_redirects=True)
    assert "queued again" in first.get_data(as_text=True)
    again = operator_client.post(f"/admin/email/{message_id}/requeue", follow_redirects=True)
    assert "this one is pending" in again.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(EmailOutbox, message_id).status == OutboxStatus.PENDING
