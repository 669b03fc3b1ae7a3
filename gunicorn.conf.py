"""gunicorn settings: workers from WEB_CONCURRENCY, Prometheus multiprocess bookkeeping."""
import os
import shutil

bind = os.environ.get("BIND", f"0.0.0.0:{os.environ.get('PORT', '8080')}")
# The default must match DEFAULT_WEB_CONCURRENCY in app/config.py: production refuses to start
# several workers without REDIS_URL (rate limits would be per worker).
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 20
keepalive = 5
accesslog = None  # the app logs each request as a JSON line
forwarded_allow_ips = "*"  # the app trusts exactly TRUSTED_PROXY_COUNT proxies itself
# The master imports the app once and forks the workers from it: a cold start (Fly starts
# machines on demand) imports it once instead of once per worker at the same time, and the
# workers share those pages. create_app opens no connection and starts no thread (pools,
# executors and the scheduler start lazily in each worker), and what does keep connections
# (redis-py's pool, prometheus_client's files) checks the pid after a fork.
preload_app = True

# Prometheus multiprocess mode: every worker writes its metrics to files in this directory.
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", "/tmp/fct-prometheus")


def on_starting(server):
    """Wipe the multiprocess directory so a restart does not resurrect old series."""
    path = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path, exist_ok=True)


def when_ready(server):
    """Runs in the master after the app is loaded (preload) and before the workers fork."""
    from datetime import date

    from app.cities.deadlines import warm_calendars

    warm_calendars(date.today())


def child_exit(server, worker):
    """Mark a dead worker so its live gauges stop counting."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
