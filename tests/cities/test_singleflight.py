"""Concurrent misses for one key are coalesced: the loader runs once (spec §7)."""
import threading
import time

from app.cities import registry
from app.resilience.cache import TTLCache

THREADS = 16


def run_together(target, count=THREADS):
    start = threading.Barrier(count)
    results, errors = [None] * count, []

    def worker(index):
        try:
            start.wait(timeout=5)
            results[index] = target()
        except Exception as exc:  # noqa: BLE001 - surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert not errors and not any(t.is_alive() for t in threads)
    return results


def test_concurrent_misses_call_a_slow_loader_once():
    cache = TTLCache("cities-test", 3600)
    calls = []

    def slow_loader():
        calls.append(threading.get_ident())
        time.sleep(0.3)
        return object()

    started = time.perf_counter()
    results = run_together(lambda: cache.get_or_load("snapshot", slow_loader))
    elapsed = time.perf_counter() - started
    assert len(calls) == 1
    assert all(r is results[0] for r in results)
    assert elapsed < 0.3 * 3  # they waited for one load, not one each


def test_a_failed_load_is_not_cached_and_the_next_caller_retries():
    cache = TTLCache("cities-test", 3600)
    attempts = []

    def flaky():
        attempts.append(1)
        if len(attempts) == 1:
            raise OSError("disk hiccup")
        return "loaded"

    try:
        cache.get_or_load("k", flaky)
    except OSError:
        pass
    assert cache.get_or_load("k", flaky) == "loaded" and len(attempts) == 2


def test_registry_threads_share_one_snapshot(city_app):
    def lookup():
        with city_app.app_context():
            return registry.snapshot()

    snapshots = run_together(lookup)
    assert all(s is snapshots[0] for s in snapshots)
    assert len(snapshots[0].cities) >= 14
