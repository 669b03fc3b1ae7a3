"""Error answers: problem+json (RFC 9457) under /api and /webhooks, branded HTML elsewhere.

Every error carries the request id; none carries a stack trace. Database and open-breaker
failures become 503 with Retry-After; anything unexpected is logged, sent to Sentry and
answered with a plain 500 page.
"""
from __future__ import annotations

import logging

import pybreaker
from flask import Flask, jsonify, make_response, render_template, request
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from app.extensions import db
from app.observability.requests import current_request_id
from app.resilience.limits import count_rejection

log = logging.getLogger(__name__)
JSON_PREFIXES = ("/api/", "/webhooks/", "/health", "/admin/api/")

TITLES = {
    400: "That request could not be understood",
    401: "Please sign in",
    403: "Not allowed",
    404: "Page not found",
    405: "That action is not available here",
    409: "That has changed meanwhile",
    413: "That upload is too large",
    415: "That file type is not supported",
    422: "Please check what you entered",
    429: "Too many requests",
    500: "Something went wrong on our side",
    503: "Temporarily unavailable",
}


class ServiceUnavailable(Exception):
    """A dependency the page needs is down; answered 503 with Retry-After."""

    def __init__(self, detail: str = "", retry_after: int = 30):
        super().__init__(detail)
        self.detail = detail or "This part of Fight City Tickets is temporarily unavailable."
        self.retry_after = retry_after


def wants_json() -> bool:
    if request.path.startswith(JSON_PREFIXES):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_response(status: int, detail: str, *, title: str | None = None,
                   headers: dict | None = None, extra: dict | None = None,
                   template: str = "error.html", html_only: bool = False, **context):
    """The one error answer: problem+json for API clients, else the branded page `template`.

    Pages with their own way back (the appeal's problem page, the demo checkout) pass their
    template and its context; `html_only` is for pages people open under a JSON path.
    """
    title = title or TITLES.get(status, "Error")
    if wants_json() and not html_only:
        body = {"type": "about:blank", "title": title, "status": status, "detail": detail,
                "instance": request.path, "request_id": current_request_id()}
        body.update(extra or {})
        response = jsonify(body)
        response.mimetype = "application/problem+json"
    else:
        response = make_response(render_template(
            template, status=status, title=title, detail=detail,
            request_id=current_request_id(), **context))
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = str(value)
    return response


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(RateLimitExceeded)
    def _rate_limited(exc: RateLimitExceeded):
        count_rejection(getattr(exc.limit, "scope", None))
        # Retry-After and the X-RateLimit-* headers are added by Flask-Limiter afterwards.
        return error_response(429, exc.description or "Too many requests.")

    @app.errorhandler(CSRFError)
    def _csrf(exc: CSRFError):
        return error_response(400, "This form has expired. Please go back, reload the page and try again.")

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        detail = exc.description if exc.code and exc.code < 500 else TITLES.get(exc.code or 500, "")
        headers = {}
        if exc.code == 405 and exc.valid_methods:
            headers["Allow"] = ", ".join(exc.valid_methods)
        return error_response(exc.code or 500, detail, headers=headers)

    @app.errorhandler(ServiceUnavailable)
    def _unavailable(exc: ServiceUnavailable):
        return error_response(503, exc.detail, headers={"Retry-After": exc.retry_after})

    @app.errorhandler(pybreaker.CircuitBreakerError)
    def _breaker_open(exc: Exception):
        db.session.rollback()
        return error_response(
            503, "A service we depend on is unavailable right now. Your work is saved; please "
                 "try again in a minute, or check your appeal page.",
            headers={"Retry-After": 30})

    @app.errorhandler(OperationalError)
    @app.errorhandler(PoolTimeout)
    @app.errorhandler(DBAPIError)
    def _database_down(exc: Exception):
        db.session.rollback()
        log.warning("database unavailable", extra={"error": type(exc).__name__})
        return error_response(
            503, "We can't reach our records right now. Your work is saved; please try again "
                 "in a minute, or check your appeal page.",
            headers={"Retry-After": 30})

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):
        try:
            db.session.rollback()
        except Exception:  # the session may be unusable when the database is gone
            pass
        log.exception("unhandled error")
        return error_response(500, "We have been told about it. Please try again; nothing you "
                                   "entered has been lost.")
