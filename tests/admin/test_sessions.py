"""Operator sessions end on the server: a cookie copied before the end is refused afterwards,
by the console and by /health/detailed alike."""
from datetime import timedelta

import pytest
from sqlalchemy import delete, update

from app.extensions import db
from app.models.base import as_utc, utcnow
from app.models.ops import AdminUser, OperatorSession
from app.operators.sessions import ABSOLUTE_TIMEOUT, IDLE_TIMEOUT
from tests.admin.conftest import COOKIE, OPERATOR, csrf_token, replay, sign_in


def refused(response) -> bool:
    return response.status_code == 302 and "/admin/login" in response.headers["Location"]


def health_details(app, cookie: str) -> bool:
    """Whether /health/detailed shows this cookie's holder the details (versions)."""
    body = replay(app, cookie, "/health/detailed").get_json()
    return "version" in body["checks"]["database"]


def sessions(app) -> list[OperatorSession]:
    with app.app_context():
        rows = db.session.execute(db.select(OperatorSession).order_by(OperatorSession.id)).scalars().all()
        db.session.expunge_all()
        return rows


def backdate(app, **ago: timedelta) -> None:
    with app.app_context():
        db.session.execute(update(OperatorSession).values(
            **{column: utcnow() - delta for column, delta in ago.items()}))
        db.session.commit()


def test_a_cookie_captured_before_logout_is_refused(app, admin_client):
    cookie = admin_client.get_cookie(COOKIE).value
    assert replay(app, cookie).status_code == 200 and health_details(app, cookie)
    page = admin_client.get("/admin/").get_data(as_text=True)
    assert admin_client.post("/admin/logout", data={"csrf_token": csrf_token(page)}).status_code == 303

    assert refused(replay(app, cookie))
    assert not health_details(app, cookie)
    [row] = sessions(app)
    assert row.revoked_at is not None and row.revoked_reason == "logout"


def test_signing_out_ends_only_that_session(app, operator):
    laptop, phone = app.test_client(), app.test_client()
    assert sign_in(laptop).status_code == sign_in(phone).status_code == 303
    page = laptop.get("/admin/").get_data(as_text=True)
    laptop.post("/admin/logout", data={"csrf_token": csrf_token(page)})
    assert refused(laptop.get("/admin/"))
    assert phone.get("/admin/").status_code == 200


def test_set_password_ends_every_open_session(app, runner, admin_client):
    cookie = admin_client.get_cookie(COOKIE).value
    result = runner.invoke(args=["admin", "set-password", OPERATOR], input="a brand new password\n")
    assert result.exit_code == 0 and "1 open session(s) ended" in result.output
    assert refused(replay(app, cookie)) and refused(admin_client.get("/admin/"))
    assert not health_details(app, cookie)
    assert sessions(app)[0].revoked_reason == "password_changed"
    assert sign_in(app.test_client(), password="a brand new password").status_code == 303


@pytest.mark.both_databases
def test_a_deleted_operator_is_signed_out(app, admin_client):
    cookie = admin_client.get_cookie(COOKIE).value
    with app.app_context():
        db.session.execute(delete(AdminUser).where(AdminUser.email == OPERATOR))
        db.session.commit()
    assert refused(replay(app, cookie))
    assert not health_details(app, cookie)
    assert sessions(app) == []  # the account's sessions went with it


def test_remove_user_command(app, runner, admin_client):
    cookie = admin_client.get_cookie(COOKIE).value
    result = runner.invoke(args=["admin", "remove-user", OPERATOR])
    assert result.exit_code == 0 and "removed" in result.output
    assert refused(replay(app, cookie))
    assert runner.invoke(args=["admin", "remove-user", OPERATOR]).exit_code == 2


def test_an_idle_session_is_refused_on_the_server(app, admin_client):
    cookie = admin_client.get_cookie(COOKIE).value
    backdate(app, last_seen_at=IDLE_TIMEOUT + timedelta(minutes=1))
    assert not health_details(app, cookie)
    assert refused(replay(app, cookie))
    assert refused(admin_client.get("/admin/"))
    assert sessions(app)[0].revoked_reason == "idle"


def test_a_session_ends_at_its_absolute_timeout_however_busy(app, admin_client):
    cookie = admin_client.get_cookie(COOKIE).value
    backdate(app, created_at=ABSOLUTE_TIMEOUT - timedelta(minutes=1),
             last_seen_at=timedelta(minutes=5))
    assert admin_client.get("/admin/").status_code == 200  # in use: last seen moves on...
    assert utcnow() - as_utc(sessions(app)[0].last_seen_at) < timedelta(minutes=1)
    backdate(app, created_at=ABSOLUTE_TIMEOUT + timedelta(minutes=1))
    assert not health_details(app, cookie)  # ...but the session does not outlive its limit
    assert refused(replay(app, cookie)) and refused(admin_client.get("/admin/"))
    assert sessions(app)[0].revoked_reason == "expired"


def test_a_forged_or_foreign_cookie_signs_nobody_in(app, admin_client, app_factory):
    other = app_factory(SECRET_KEY="another-deployment")
    cookie = admin_client.get_cookie(COOKIE).value
    assert refused(replay(other, cookie))
    assert refused(replay(app, cookie[:-4] + "AAAA"))
