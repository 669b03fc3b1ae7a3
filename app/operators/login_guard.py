"""Checking an operator's password: the same work for every email, and a back-off per account.

An unknown email is checked against a dummy hash made the way real ones are, so it answers
as slowly as a known email with a wrong password: nobody can tell accounts apart by timing.

Failures are counted per account (an unknown email too, so a lock-out reveals nothing), in
the shared store when Redis is configured, so every worker and instance sees the same count,
else (or while Redis is down) in process memory. From the FREE_FAILURES-th failure on, the
account is locked for BASE_LOCK_S, then twice as long after each further failure, up to
MAX_LOCK_S; while locked even the right password is refused. A sign-in clears the count.
The per-IP `admin_login` limit still applies on top: this stops one guesser using many IPs.
"""
from __future__ import annotations

import functools
import hashlib
import secrets
import threading
import time

import cachetools
from flask import current_app
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from app.extensions import db
from app.models.ops import AdminUser
from app.resilience.shared_store import SharedStore

FREE_FAILURES = 5
BASE_LOCK_S = 30
MAX_LOCK_S = 15 * 60
FORGET_AFTER_S = 24 * 3600  # failures are forgotten a day after the last one
KEY_PREFIX = "fct:operator-login:"


@functools.cache
def _dummy_hash() -> str:
    # Made on first use, not at import; the same method and cost as AdminUser.set_password.
    return generate_password_hash(secrets.token_urlsafe(16))


def authenticate(email: str, password: str) -> AdminUser | None:
    """The operator whose password this is, or None; one password hash either way."""
    user = db.session.execute(select(AdminUser).filter_by(email=email)).scalar_one_or_none()
    matches = check_password_hash(user.password_hash if user else _dummy_hash(), password)
    return user if user is not None and matches else None


def lock_seconds(failures: int) -> int:
    if failures < FREE_FAILURES:
        return 0
    return min(BASE_LOCK_S * 2 ** (failures - FREE_FAILURES), MAX_LOCK_S)


class LoginBackoff:
    def __init__(self, store: SharedStore):
        self.store = store
        # account -> (failures, locked until, monotonic); bounded so a spray of made-up
        # emails cannot grow it without end.
        self.memory: cachetools.TTLCache = cachetools.TTLCache(maxsize=10_000, ttl=FORGET_AFTER_S)
        self.lock = threading.Lock()

    def retry_after(self, email: str) -> int:
        """Seconds until `email` may try again; 0 when it is not locked."""
        key = _key(email)
        remaining = self.store.run(lambda r: r.ttl(key + ":locked"), fallback=None)
        if remaining is not None:
            return max(0, int(remaining))
        with self.lock:
            _, until = self.memory.get(key, (0, 0.0))
        return max(0, int(until - time.monotonic() + 0.999))

    def failed(self, email: str) -> int:
        """Count a failure; returns the lock it starts, in seconds (0: none)."""
        key = _key(email)

        def count(r):
            pipe = r.pipeline()
            pipe.incr(key + ":failures")
            pipe.expire(key + ":failures", FORGET_AFTER_S)
            failures = pipe.execute()[0]
            if lock_seconds(failures):
                r.set(key + ":locked", failures, ex=lock_seconds(failures))
            return failures

        failures = self.store.run(count, fallback=None)
        if failures is None:
            with self.lock:
                failures = self.memory.get(key, (0, 0.0))[0] + 1
                self.memory[key] = (failures, time.monotonic() + lock_seconds(failures))
        return lock_seconds(failures)

    def succeeded(self, email: str) -> None:
        key = _key(email)
        self.store.run(lambda r: r.delete(key + ":failures", key + ":locked"))
        with self.lock:
            self.memory.pop(key, None)


def backoff() -> LoginBackoff:
    """The app's back-off, made on first use beside its shared store."""
    extensions = current_app.extensions
    if "operator_login_backoff" not in extensions:
        extensions["operator_login_backoff"] = LoginBackoff(extensions["shared_store"])
    return extensions["operator_login_backoff"]


def _key(email: str) -> str:
    # Hashed: the store keeps no email addresses.
    return KEY_PREFIX + hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
