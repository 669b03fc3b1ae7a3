"""Admin fixtures: an operator account and a signed-in client."""
import re

import pytest

from app.extensions import db
from app.models import AdminUser

OPERATOR = "ops@fightcitytickets.com"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def operator(app):
    with app.app_context():
        user = AdminUser(email=OPERATOR)
        user.set_password(PASSWORD)
        db.session.add(user)
        db.session.commit()
    return OPERATOR


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or \
        re.search(r'id="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


@pytest.fixture
def admin_client(app, operator):
    client = app.test_client()
    page = client.get("/admin/login").get_data(as_text=True)
    response = client.post("/admin/login", data={"email": OPERATOR, "password": PASSWORD,
                                                  "csrf_token": csrf_token(page)})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return client


COOKIE = "fct_session"


def sign_in(client, email: str = OPERATOR, password: str = PASSWORD, **kwargs):
    page = client.get("/admin/login").get_data(as_text=True)
    return client.post("/admin/login", data={"email": email, "password": password,
                                             "csrf_token": csrf_token(page)}, **kwargs)


def replay(app, cookie: str, path: str = "/admin/", **kwargs):
    """What an attacker holding a copy of the session cookie gets."""
    attacker = app.test_client()
    attacker.set_cookie(COOKIE, cookie)
    return attacker.get(path, **kwargs)
