"""Every Prometheus metric of the service, defined once.

Under gunicorn with several workers `PROMETHEUS_MULTIPROC_DIR` is set (gunicorn.conf.py
wipes it at start and marks dead workers), and prometheus_client writes per-process files
that `/metrics` aggregates. Labels are endpoint *names*, never raw paths.
"""
from __future__ import annotations

import os

from prometheus_client import (CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Gauge,
                               Histogram, generate_latest, multiprocess)

# prometheus_client opens its per-process files as metrics are defined, so the directory
# must exist before then: CLI processes (release command, job worker) do not run
# gunicorn's on_starting hook that creates it for the web workers.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

REQUESTS = Counter("fct_http_requests_total", "HTTP requests by endpoint and status",
                   ["endpoint", "method", "status"])
LATENCY = Histogram("fct_http_request_duration_seconds", "HTTP request latency by endpoint",
                    ["endpoint"], buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10))
RATE_LIMITED = Counter("fct_rate_limit_rejections_total", "Requests refused by a rate limit",
                       ["limit"])
BREAKER_TRANSITIONS = Counter("fct_breaker_transitions_total", "Breaker state changes",
                              ["breaker", "state"])
BREAKER_FAILURES = Counter("fct_breaker_failures_total", "Failed calls through a breaker",
                           ["breaker"])
BREAKER_STATE = Gauge("fct_breaker_state", "Breaker state (0 closed, 1 half-open, 2 open)",
                      ["breaker"], multiprocess_mode="max")
OUTBOX_MESSAGES = Gauge("fct_outbox_messages", "Email outbox messages by status", ["status"],
                        multiprocess_mode="max")
EMAILS = Counter("fct_emails_total", "Email delivery attempts by outcome", ["outcome"])
WEBHOOK_EVENTS = Counter("fct_webhook_events_total", "Stripe webhook events by type and outcome",
                         ["type", "outcome"])
AI_REQUESTS = Counter("fct_ai_requests_total", "AI letter requests by outcome", ["outcome"])
CACHE = Counter("fct_cache_lookups_total", "Cache lookups by cache and result", ["cache", "result"])
DB_POOL_IN_USE = Gauge("fct_db_pool_connections_in_use", "Database connections checked out",
                       multiprocess_mode="livesum")
JOB_RUNS = Counter("fct_job_runs_total", "Scheduled job runs by job and outcome", ["job", "outcome"])
ALERTS = Counter("fct_alerts_total", "Operator alerts sent (after de-duplication)", ["kind"])


def exposition() -> tuple[bytes, str]:
    """The text exposition of this process, or of all workers under multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
