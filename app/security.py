"""Security baseline: proxy handling, trusted hosts, cookies, headers, CORS and upload size (§13)."""
from __future__ import annotations

from datetime import timedelta

from flask import Flask, abort, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.exceptions import SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix

from app.config import Settings
from app.extensions import cors, csrf

CSP = ("default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
       "form-action 'self' https://checkout.stripe.com; frame-ancestors 'none'; "
       "base-uri 'self'; object-src 'none'")
MAX_CONTENT_LENGTH = 6 * 1024 * 1024  # one 5 MB photo plus form overhead; checked per file too


def configure(app: Flask, settings: Settings) -> None:
    if settings.trusted_proxy_count:
        # Trust exactly N proxies: the client IP is the Nth address from the right. Never
        # X-Forwarded-Host: the host is the client's to choose, and nothing here needs it
        # (links are built from PUBLIC_BASE_URL, see app.urls).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxy_count,
                                x_proto=settings.trusted_proxy_count, x_host=0)
    secure = settings.is_production
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SECRET_KEY_FALLBACKS=list(settings.secret_key_fallbacks),
        TRUSTED_HOSTS=list(settings.trusted_hosts) or None,  # None: any host
        SESSION_COOKIE_SECURE=secure,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_NAME="__Host-fct" if secure else "fct_session",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=2),
        MAX_CONTENT_LENGTH=MAX_CONTENT_LENGTH,
        WTF_CSRF_TIME_LIMIT=None if not secure else 4 * 3600,
        WTF_CSRF_SSL_STRICT=secure,
    )
    app.session_interface = SignerOnceSessionInterface()

    @app.before_request
    def _refuse_untrusted_host():
        # Flask checks TRUSTED_HOSTS while routing but raises only after every before_request
        # hook has run; reading the host here stops the request before CSRF, limits or
        # sessions look at it.
        request.host  # noqa: B018  (raises SecurityError for an untrusted host)

    @app.errorhandler(SecurityError)
    def _untrusted_host(_exc):
        # Plain text: the branded error page builds URLs, and this request has no URL adapter.
        return "Unknown host.\n", 400, {"Content-Type": "text/plain; charset=utf-8"}

    @app.before_request
    def _refuse_malformed_forms():
        # A multipart part whose name cannot be parsed comes through as None, which
        # Flask-WTF's CSRF check would trip over; answer it as the bad request it is.
        # Only multipart is checked: parsing other bodies here would consume them before
        # views that read the raw body (the RFC 8058 one-click unsubscribe) get to them.
        if request.mimetype == "multipart/form-data" and None in request.form:
            abort(400, description="The form could not be read. Please try again.")
        # Flask-WTF reads a JSON body as the form's fields and crashes on anything but an
        # object. Webhooks are left alone: they verify their raw body before parsing it.
        if request.is_json and not request.path.startswith("/webhooks/"):
            body = request.get_json(silent=True)
            if body is not None and not isinstance(body, dict):
                abort(400, description="The request body must be a JSON object.")

    csrf.init_app(app)  # after the check above, so it never sees such a form
    cors.init_app(app, resources={r"/api/*": {"origins": list(settings.cors_origins)}},
                  supports_credentials=False)

    baseline = baseline_headers(secure)
    names = frozenset(name.lower() for name, _ in baseline)

    @app.after_request
    def _security_headers(response):
        # Built once above; a header the view set itself wins (as setdefault would).
        headers = response.headers
        if any(key.lower() in names for key, _ in headers.items()):
            for name, value in baseline:
                headers.setdefault(name, value)
        else:
            headers.extend(baseline)
        return response


def baseline_headers(secure: bool) -> tuple[tuple[str, str], ...]:
    """The security headers every response carries unless its view chose its own."""
    headers = (
        ("Content-Security-Policy", CSP),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("X-Frame-Options", "DENY"),
        ("Permissions-Policy", "geolocation=(), microphone=(), camera=(self)"),
    )
    if secure:
        headers += (("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),)
    return headers


class SignerOnceSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the signer built once per key set.

    Flask builds its itsdangerous serializer on every request (and test-serialises a value
    while doing so), about a tenth of /health's time in the app; the keys it is built
    from change only when SECRET_KEY or SECRET_KEY_FALLBACKS change, and then it is rebuilt.
    """

    def __init__(self):
        self._signer: tuple[tuple, object] | None = None

    def get_signing_serializer(self, app: Flask):
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        cached = self._signer
        if cached is None or cached[0] != keys:
            cached = self._signer = (keys, super().get_signing_serializer(app))
        return cached[1]
