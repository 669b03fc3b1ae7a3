"""Operator sign-in cannot be probed by timing nor guessed from many addresses."""
import statistics
import time

import redis

from tests.admin.conftest import OPERATOR, PASSWORD, sign_in

ROOMY = {"RATELIMIT_ADMIN_LOGIN": "1000/minute"}  # the per-IP limit is tested in test_auth.py


def attempt(app, email: str, password: str, ip: str):
    """A sign-in from a fresh client at `ip`: a guesser spreading attempts over many IPs."""
    client = app.test_client()
    return sign_in(client, email, password, environ_base={"REMOTE_ADDR": ip})


def timed(app, email: str, password: str, ip: str) -> float:
    started = time.perf_counter()
    response = attempt(app, email, password, ip)
    assert response.status_code == 422
    return time.perf_counter() - started


def test_an_unknown_email_costs_a_password_hash_like_a_known_one(app_factory, operator):
    app = app_factory(**ROOMY)
    timed(app, "warm-up@example.com", "x", "198.51.100.1")  # first use makes the dummy hash
    known, unknown = [], []
    for n in range(4):  # fewer than the failures that lock an account
        known.append(timed(app, OPERATOR, f"wrong {n}", f"198.51.100.{10 + n}"))
        unknown.append(timed(app, f"nobody{n}@example.com", "wrong", f"198.51.100.{20 + n}"))
    ratio = statistics.median(unknown) / statistics.median(known)
    # Hashing is nearly all of the known path's time; without it the unknown path took ~5 %.
    assert ratio > 0.5, (known, unknown)


def test_five_failures_lock_the_account_whatever_the_ip(app_factory, operator):
    app = app_factory(**ROOMY)
    for n in range(5):
        assert attempt(app, OPERATOR, "a wrong guess", f"203.0.113.{n}").status_code == 422
    locked = attempt(app, OPERATOR, PASSWORD, "203.0.113.99")  # even the right password
    # Retry-After is at least the lock (Flask-Limiter raises it to its own window's reset).
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) >= 30
    assert "Too many failed sign-ins for this account" in locked.get_data(as_text=True)
    assert "Traceback" not in locked.get_data(as_text=True)
    # An unknown email locks the same way, so a lock-out tells nothing about who exists.
    for n in range(5):
        assert attempt(app, "nobody@example.com", "x", f"192.0.2.{n}").status_code == 422
    ghost = attempt(app, "nobody@example.com", "x", "192.0.2.99")
    assert ghost.status_code == 429 and int(ghost.headers["Retry-After"]) >= 30


def test_a_sign_in_clears_the_count(app_factory, operator):
    app = app_factory(**ROOMY)
    for _ in range(2):
        for n in range(4):
            assert attempt(app, OPERATOR, "wrong", f"203.0.113.{n}").status_code == 422
        assert attempt(app, OPERATOR, PASSWORD, "203.0.113.50").status_code == 303


def test_the_count_is_shared_through_redis_and_the_lock_grows(app_factory, redis_url, operator):
    first, second = (app_factory(REDIS_URL=redis_url, **ROOMY) for _ in range(2))  # two workers
    for n in range(5):
        assert attempt(first, OPERATOR, "wrong", f"203.0.113.{n}").status_code == 422
    assert attempt(second, OPERATOR, PASSWORD, "203.0.113.77").status_code == 429

    store = redis.Redis.from_url(redis_url)
    [lock] = store.keys("fct:operator-login:*:locked")
    assert OPERATOR.encode() not in lock  # the store keeps no addresses
    assert 25 <= store.ttl(lock) <= 30
    store.delete(lock)  # as 30 s passing would
    assert attempt(second, OPERATOR, "wrong again", "203.0.113.78").status_code == 422
    assert attempt(first, OPERATOR, PASSWORD, "203.0.113.79").status_code == 429
    assert 55 <= store.ttl(lock) <= 60  # the sixth failure locks for twice as long

    store.delete(lock)
    assert attempt(first, OPERATOR, PASSWORD, "203.0.113.80").status_code == 303
    assert store.keys("fct:operator-login:*") == []
