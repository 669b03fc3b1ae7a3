"""Every route in the URL map, hit with generated requests: zero 500s, zero stack traces.

Generated: methods, path parameters, query strings, headers, form and JSON bodies,
multipart files and oversized inputs. Run with CSRF on (as deployed), with it off (so the
generated bodies reach the code behind the forms), and signed in as an operator with CSRF
off (so they reach the admin console's actions too): 3 x 1,000 cases.
"""
import io
import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.config import DEFAULT_LIMITS
from app.extensions import db
from app.models import AdminUser

EXAMPLES = 1000
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
NO_LIMITS = {f"RATELIMIT_{name.upper()}": "1000000/minute" for name in DEFAULT_LIMITS}

text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300)
segment = st.one_of(
    st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEF0123456789-_.~", min_size=1, max_size=40),
    st.sampled_from(["sf", "nyc", "..", "%00", "9" * 400, "admin", "1", "-1", "x" * 40]),
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(text, children, max_size=4),
    max_leaves=12,
)
form_fields = st.dictionaries(
    st.sampled_from(["email", "reason", "citation_number", "city", "violation_date", "story",
                     "driver_name", "return_address", "plate", "letter_text", "mail_class",
                     "signature_name", "signature_data", "instructions", "password", "q",
                     "marketing", "csrf_token", "List-Unsubscribe", "status"]) | text,
    text | st.just("x" * 70_000), max_size=8)
headers = st.dictionaries(
    st.sampled_from(["Accept", "Content-Type", "X-Request-ID", "X-Forwarded-For", "Origin",
                     "If-None-Match", "Stripe-Signature", "Authorization", "Accept-Language",
                     "User-Agent", "X-CSRFToken"]),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=120),
    max_size=5)


@st.composite
def requests_for(draw, rules):
    rule = draw(st.sampled_from(rules))
    values = {arg: draw(segment) for arg in rule.arguments}
    path = rule.rule
    for arg, value in values.items():
        number = value if value.lstrip("-").isdigit() else str(abs(hash(value)) % 1000)
        path = re.sub(rf"<int(\([^)]*\))?:{arg}>", number, path.replace(f"<{arg}>", value))
        for conv in ("string", "path"):
            path = path.replace(f"<{conv}:{arg}>", value)
    method = draw(st.sampled_from(sorted(rule.methods - {"OPTIONS"}) + METHODS))
    query = draw(st.dictionaries(text, text, max_size=3))
    body_kind = draw(st.sampled_from(["none", "form", "json", "raw", "multipart"]))
    kwargs = {"query_string": query, "headers": draw(headers)}
    if body_kind == "form":
        kwargs["data"] = draw(form_fields)
    elif body_kind == "json":
        kwargs["data"] = json.dumps(draw(json_values))
        kwargs["content_type"] = "application/json"
    elif body_kind == "raw":
        kwargs["data"] = draw(st.binary(max_size=2000))
        kwargs["content_type"] = draw(st.sampled_from(["application/json", "text/plain",
                                                       "application/x-www-form-urlencoded"]))
    elif body_kind == "multipart":
        content = draw(st.binary(max_size=3000))
        name = draw(st.sampled_from(["photo.jpg", "x.exe", "", "../../etc/passwd", "a.pdf"]))
        kwargs["data"] = {"photos": (io.BytesIO(content), name), **draw(form_fields)}
        kwargs["content_type"] = "multipart/form-data"
    return method, path, kwargs


def _fuzz(app, client, skip=("static",)):
    rules = [r for r in app.url_map.iter_rules() if r.endpoint not in skip]
    statuses = []

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(requests_for(rules))
    def check(generated):
        method, path, kwargs = generated
        response = client.open(path, method=method, **kwargs)
        body = response.get_data(as_text=True)
        statuses.append(response.status_code)
        assert response.status_code < 500 or response.status_code == 503, (method, path, body[:500])
        assert "Traceback" not in body and 'File "' not in body, (method, path)

    check()
    assert len(statuses) >= EXAMPLES  # the cases really ran (hypothesis may add a few)


@pytest.mark.parametrize("csrf", [True, False], ids=["csrf-on", "csrf-off"])
def test_no_route_answers_500(app_factory, csrf):
    app = app_factory(**NO_LIMITS)
    app.config["WTF_CSRF_ENABLED"] = csrf
    _fuzz(app, app.test_client())


def test_no_admin_route_answers_500_to_a_signed_in_operator(app_factory):
    app = app_factory(**NO_LIMITS)
    app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context():
        user = AdminUser(email="fuzz-operator@example.com")
        user.set_password("a long operator passphrase")
        db.session.add(user)
        db.session.commit()
    client = app.test_client()
    signed_in = client.post("/admin/login", data={"email": "fuzz-operator@example.com",
                                                  "password": "a long operator passphrase"})
    assert signed_in.status_code == 303
    assert client.get("/admin/").status_code == 200
    _fuzz(app, client, skip=("static", "admin.auth.logout"))  # stay signed in throughout
    assert client.get("/admin/").status_code == 200
