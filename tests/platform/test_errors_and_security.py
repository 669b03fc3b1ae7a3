"""Error pages, request ids and the security baseline, seen through HTTP."""
import json
import logging


def test_html_404_is_branded_with_request_id(client):
    response = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "Fight City Tickets" in body and "Page not found" in body
    assert response.headers["X-Request-ID"] in body
    assert "Traceback" not in body and "FIGHT SF" not in body


def test_api_errors_are_problem_json(client):
    response = client.get("/api/no-such-thing")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == 404 and problem["title"]
    assert problem["request_id"] == response.headers["X-Request-ID"]


def test_method_not_allowed_is_plain(client):
    response = client.delete("/health")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


def test_valid_request_id_is_echoed_and_invalid_one_replaced(client):
    good = client.get("/health", headers={"X-Request-ID": "abc12345-req"})
    assert good.headers["X-Request-ID"] == "abc12345-req"
    assert good.headers["X-Correlation-ID"] == "abc12345-req"
    bad = client.get("/health", headers={"X-Request-ID": "<script>alert(1)</script>"})
    assert bad.headers["X-Request-ID"] != "<script>alert(1)</script>"
    assert len(bad.headers["X-Request-ID"]) == 32


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]
    assert "Strict-Transport-Security" not in response.headers  # only in production


def test_cors_only_for_configured_origins(app_factory):
    app = app_factory(CORS_ORIGINS="https://partner.example")
    client = app.test_client()
    allowed = client.get("/api/public/cities", headers={"Origin": "https://partner.example"})
    assert allowed.headers.get("Access-Control-Allow-Origin") == "https://partner.example"
    refused = client.get("/api/public/cities", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in refused.headers


def test_client_ip_behind_exactly_n_proxies(app_factory):
    app = app_factory(TRUSTED_PROXY_COUNT="1")

    @app.get("/__ip")  # a probe route added by the test, not part of the app
    def _ip():
        from flask import request

        return request.remote_addr

    client = app.test_client()
    # The client spoofs a first address; only the one our proxy appended is trusted.
    response = client.get("/__ip", headers={"X-Forwarded-For": "6.6.6.6, 203.0.113.9"},
                          environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert response.get_data(as_text=True) == "203.0.113.9"


def test_secret_key_rotation_keeps_sessions(app_factory):
    old = app_factory(SECRET_KEY="old-key")

    @old.get("/__set")
    def _set():
        from flask import session

        session["admin_user_id"] = 7
        return "ok"

    client = old.test_client()
    client.get("/__set")
    cookie = client.get_cookie("fct_session")
    assert cookie is not None

    new = app_factory(SECRET_KEY="new-key", SECRET_KEY_FALLBACKS="old-key")

    @new.get("/__get")
    def _get():
        from flask import session

        return str(session.get("admin_user_id"))

    new_client = new.test_client()
    new_client.set_cookie("fct_session", cookie.value)
    assert new_client.get("/__get").get_data(as_text=True) == "7"

    unrelated = app_factory(SECRET_KEY="new-key")

    @unrelated.get("/__get")
    def _get2():
        from flask import session

        return str(session.get("admin_user_id"))

    other = unrelated.test_client()
    other.set_cookie("fct_session", cookie.value)
    assert other.get("/__get").get_data(as_text=True) == "None"


def test_logs_are_json_with_request_id_and_masked_email(app, capsys):
    import logging as std_logging

    std_logging.getLogger().setLevel(std_logging.INFO)
    client = app.test_client()
    with app.test_request_context("/"):
        pass
    client.get("/health", headers={"X-Request-ID": "req-logging-1"})
    std_logging.getLogger("fct.test").warning("sent to driver@example.com")
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    access = [line for line in lines if line.get("request_id") == "req-logging-1"]
    assert access and access[0]["path"] == "/health" and access[0]["status"] == 200
    assert "duration_ms" in access[0] and access[0]["method"] == "GET"
    masked = [line for line in lines if line.get("logger") == "fct.test"]
    assert masked and "driver@example.com" not in masked[0]["message"]
    assert "d***@example.com" in masked[0]["message"]


def test_a_json_body_that_is_not_an_object_is_a_plain_400_on_form_pages(app_factory):
    # Flask-WTF turns a JSON body into form fields; `false` or a list used to crash the
    # form (500) wherever CSRF did not refuse the request first.
    app = app_factory()
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    for body in ("false", "[1, 2]", "3.5", "null"):
        response = client.post("/admin/login", data=body, content_type="application/json")
        assert 400 <= response.status_code < 500, (body, response.status_code)
    response = client.post("/admin/login", data="[1, 2]", content_type="application/json")
    assert response.status_code == 400
    assert "JSON object" in response.get_data(as_text=True)
