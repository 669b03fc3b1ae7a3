"""Operator sessions kept on the server: the one place that says who is signed in.

The signed Flask cookie carries only a random secret; the `operator_sessions` row found by
the secret's SHA-256 is the session. It ends on sign-out, on a password change (`flask
admin set-password`), when the account is removed (the row goes with it), IDLE_TIMEOUT after
the last request and ABSOLUTE_TIMEOUT after sign-in — whatever the cookie says, so a cookie
captured earlier is worth nothing once its session has ended.

A row per sign-in rather than a per-operator generation counter: signing out ends that one
session and not the operator's others, idle time is measured on the server (a replayed
cookie cannot bring a fresher timestamp with it), and each ending is kept with its reason.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import g, session
from sqlalchemy import delete, select, update

from app.extensions import db
from app.models.base import as_utc, utcnow
from app.models.ops import AdminUser, OperatorSession

SESSION_KEY = "operator_session"
IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=8)
TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at is written at most this often
KEEP_ENDED = timedelta(days=30)  # ended sessions stay this long, for the record


@dataclass(frozen=True)
class Operator:
    user_id: int
    email: str
    session_id: int


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def start(user: AdminUser) -> None:
    """Sign `user` in with a new session; nothing in the cookie from before survives. Commits."""
    secret, now = secrets.token_urlsafe(32), utcnow()
    db.session.execute(delete(OperatorSession).where(OperatorSession.created_at < now - KEEP_ENDED))
    db.session.add(OperatorSession(token_hash=_digest(secret), admin_user_id=user.id,
                                   created_at=now, last_seen_at=now))
    user.last_login_at = now
    db.session.commit()
    session.clear()
    session.permanent = True
    session[SESSION_KEY] = secret
    g.pop("_operator", None)


def end() -> Operator | None:
    """Sign out: the server-side session is revoked, the cookie emptied. Commits."""
    operator = current_operator()
    if operator is not None:
        _revoke(OperatorSession.id == operator.session_id, "logout")
        db.session.commit()
    session.clear()
    g._operator = None
    return operator


def revoke_all(user_id: int, reason: str) -> int:
    """End every open session of one operator (a password change). The caller commits."""
    return _revoke(OperatorSession.admin_user_id == user_id, reason)


def current_operator() -> Operator | None:
    """The operator behind this request's cookie, or None (read once per request)."""
    if "_operator" not in g:
        g._operator = _read()
    return g._operator


def _read() -> Operator | None:
    secret = session.get(SESSION_KEY)
    if not isinstance(secret, str) or not secret:
        return None
    found = db.session.execute(
        select(OperatorSession, AdminUser.email)
        .join(AdminUser, AdminUser.id == OperatorSession.admin_user_id)
        .where(OperatorSession.token_hash == _digest(secret))).one_or_none()
    if found is None or found[0].revoked_at is not None:
        return _forget()
    row, email = found
    now = utcnow()
    if now - as_utc(row.created_at) > ABSOLUTE_TIMEOUT:
        return _forget(row, "expired")
    if now - as_utc(row.last_seen_at) > IDLE_TIMEOUT:
        return _forget(row, "idle")
    if now - as_utc(row.last_seen_at) > TOUCH_EVERY:
        row.last_seen_at = now
        db.session.commit()
    return Operator(row.admin_user_id, email, row.id)


def _forget(row: OperatorSession | None = None, reason: str = "") -> None:
    if row is not None:
        _revoke(OperatorSession.id == row.id, reason)
        db.session.commit()
    session.pop(SESSION_KEY, None)
    return None


def _revoke(which, reason: str) -> int:
    result = db.session.execute(
        update(OperatorSession).where(which, OperatorSession.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason)
        .execution_options(synchronize_session=False))
    return result.rowcount or 0
