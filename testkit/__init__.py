"""What the tests and the benchmark both run against, so neither imports the other.

Local stand-ins that speak the real protocols of Stripe, Lob, SMTP, the AI provider and
Sentry (`testkit.fakes`); real PostgreSQL and Redis servers started per run; the app under
gunicorn; and sample appeals for the mailing job.
"""
