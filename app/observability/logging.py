"""JSON log lines carrying the request id, with email addresses and credentials masked.

python-json-logger formats; a filter adds the request context and masks addresses in the
message and extras so no log line carries a full email address. The path of a request keeps
its shape but not the secrets in it: an appeal's id is the only key to that appeal, an
unsubscribe token acts for its address, a demo checkout id pays for an appeal.
"""
from __future__ import annotations

import logging
import re
import sys

from flask import g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

# Staff addresses are not personal data of drivers; operator actions name their operator.
UNMASKED_FIELDS = frozenset({"msg", "message", "operator"})
EMAIL_RE = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
# The segment after each of these prefixes is a credential (or an address); /appeals/find is not.
SECRET_SEGMENT_RE = re.compile(
    r"^(/(?:admin/)?appeals/(?!find(?:/|$))|/unsubscribe/|/api/unsubscribe/status/"
    r"|/webhooks/demo/checkout/)[^/]+")
SECRET_FIELDS = frozenset({"public_id", "appeal", "token"})  # extras that carry those ids
# Route arguments that are credentials wherever a route puts them (a new route is covered
# without a new prefix above).
SECRET_ROUTE_ARGS = frozenset({"public_id", "token", "email", "session_id"})
MASK = "***"
# What every LogRecord has; anything else on a record is an `extra` and is checked. Only
# these standard ones can hold free text: the message and, once formatted, the traceback.
STANDARD_FIELDS = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}
FREE_TEXT_FIELDS = ("exc_text", "stack_info")


def mask_email(text: str) -> str:
    return EMAIL_RE.sub(r"\1***@\2", text)


def mask_path(path: str) -> str:
    """`/appeals/<id>/photos` -> `/appeals/***/photos`; other paths unchanged."""
    return SECRET_SEGMENT_RE.sub(rf"\g<1>{MASK}", path)


def masked_request_path() -> str:
    """The current request's path with its credentials masked (by prefix and by route)."""
    path = mask_path(request.path)
    for name, value in (request.view_args or {}).items():
        if name in SECRET_ROUTE_ARGS and isinstance(value, str) and value:
            path = path.replace(value, MASK)
    return path


class RequestContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        fields = record.__dict__
        if has_request_context():
            record.request_id = getattr(g, "request_id", None)
            record.method = request.method
            record.path = masked_request_path()
        if isinstance(record.msg, str) and "@" in record.msg:
            record.msg = mask_email(record.msg)
        for key in FREE_TEXT_FIELDS:
            value = fields.get(key)
            if isinstance(value, str) and "@" in value:
                fields[key] = mask_email(value)
        for key in fields.keys() - STANDARD_FIELDS:  # the extras; path was masked above
            value = fields[key]
            if not isinstance(value, str):
                continue
            if key in SECRET_FIELDS:
                fields[key] = MASK
            elif "@" in value and key not in UNMASKED_FIELDS:
                fields[key] = mask_email(value)
        return True


class StdoutHandler(logging.StreamHandler):
    """Writes to whatever `sys.stdout` is at the time (test capture, gunicorn redirection)."""

    @property
    def stream(self):
        return sys.stdout

    @stream.setter
    def stream(self, _value):
        pass


def configure_logging(level: str = "INFO") -> None:
    """Route the root logger to stdout as JSON lines (idempotent)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_fct", False):
            root.removeHandler(handler)
    handler = StdoutHandler()
    handler._fct = True  # type: ignore[attr-defined]
    handler.setFormatter(JsonFormatter(
        "{asctime}{levelname}{name}{process}{message}", style="{",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger", "process": "pid"},
    ))
    handler.addFilter(RequestContextFilter())
    root.addHandler(handler)
    root.setLevel(level)
    # werkzeug's own access lines duplicate ours
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
