"""Operator accounts, sign-in, the login limit and refusals without a session (timeouts and
sign-out: test_sessions.py)."""
import pytest

from app.extensions import db
from app.models import AdminUser
from tests.admin.conftest import OPERATOR, PASSWORD, csrf_token

PROTECTED_GETS = ["/admin/", "/admin/appeals/", "/admin/webhooks/", "/admin/email/",
                  "/admin/consent/", "/admin/consent/export.csv", "/admin/jobs", "/admin/print-queue/",
                  "/admin/appeals/abc/letter.pdf", "/admin/appeals/abc/photos/1"]
PROTECTED_POSTS = ["/admin/breakers/stripe/reset", "/admin/jobs/cache_purge/run",
                   "/admin/webhooks/evt_1/replay", "/admin/email/1/requeue",
                   "/admin/print-queue/abc/mailed"]


def test_create_user_reads_the_password_from_stdin(app, runner):
    result = runner.invoke(args=["admin", "create-user", "New@Example.com"],
                           input="a long enough password\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.execute(db.select(AdminUser).filter_by(email="new@example.com")).scalar_one()
        assert user.password_hash != "a long enough password"
        assert user.check_password("a long enough password")
    again = runner.invoke(args=["admin", "create-user", "new@example.com"], input="another password!\n")
    assert again.exit_code == 2 and "already exists" in again.output


def test_short_password_is_refused(runner):
    result = runner.invoke(args=["admin", "create-user", "x@example.com"], input="short\n")
    assert result.exit_code == 2 and "at least 12" in result.output


def test_set_password(app, runner, operator):
    result = runner.invoke(args=["admin", "set-password", OPERATOR], input="a brand new password\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.execute(db.select(AdminUser).filter_by(email=OPERATOR)).scalar_one()
        assert user.check_password("a brand new password")


@pytest.mark.parametrize("path", PROTECTED_GETS)
def test_pages_redirect_to_login_without_a_session(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/admin/login" in response.headers["Location"]


@pytest.mark.parametrize("path", PROTECTED_GETS)
def test_json_clients_get_401_without_a_session(client, path):
    response = client.get(path, headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("path", PROTECTED_POSTS)
def test_actions_are_refused_without_a_session(app, client, path):
    app.config["WTF_CSRF_ENABLED"] = False  # prove the session check, not CSRF, refuses
    response = client.post(path)
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]


def test_wrong_password_is_refused_plainly(client, operator):
    page = client.get("/admin/login").get_data(as_text=True)
    response = client.post("/admin/login", data={"email": OPERATOR, "password": "nope",
                                                  "csrf_token": csrf_token(page)})
    assert response.status_code == 422
    assert "do not match" in response.get_data(as_text=True)


def test_login_without_csrf_token_is_refused(client, operator):
    response = client.post("/admin/login", data={"email": OPERATOR, "password": PASSWORD})
    assert response.status_code == 400


def test_login_limit_is_five_per_minute(client, operator):
    page = client.get("/admin/login").get_data(as_text=True)
    token = csrf_token(page)
    statuses = [client.post("/admin/login", data={"email": OPERATOR, "password": "wrong",
                                                  "csrf_token": token}).status_code
                for _ in range(6)]
    assert statuses == [422] * 5 + [429]


def test_sign_in_sign_out(admin_client):
    assert admin_client.get("/admin/").status_code == 200
    page = admin_client.get("/admin/").get_data(as_text=True)
    response = admin_client.post("/admin/logout", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 303
    assert admin_client.get("/admin/").status_code == 302


def test_next_parameter_cannot_redirect_off_site(client, operator):
    page = client.get("/admin/login").get_data(as_text=True)
    response = client.post("/admin/login?next=//evil.example/x",
                           data={"email": OPERATOR, "password": PASSWORD, "csrf_token": csrf_token(page)})
    assert response.status_code == 303
    assert response.headers["Location"] == "/admin/"
