"""Benchmarks for Fight City Tickets, run by `scripts/bench` (`python -m bench`).

One run starts throwaway PostgreSQL, Redis, a fake Stripe and local SMTP servers, measures,
stops everything and writes docs/benchmarks.md:

  pages.py        requests/s and latency of three pages, hardened app vs bare_app.py, and
                  the appeal page failing fast with PostgreSQL down (wrk.py drives wrk)
  webhooks.py     signed Stripe events ingested per second (post_events.py posts them)
  outbox.py       outbox emails delivered per second vs plain smtplib (smtp_sink.py receives)
  services.py     the servers, and the gunicorn processes for both apps
  cpu.py          CPU time per process tree, from /proc
  report.py       the Markdown report; machine.py says what it ran on
"""
