"""The webhooks blueprint: Stripe events in, exactly once (§8).

routes.py (the signed endpoint) -> events.py (verification) -> ingest.py (record once,
handle) -> handlers/ (read Stripe's current state; app.appeals.payments moves the appeal);
failures.py keeps and retries what failed (jobs.py, cli.py, the admin pages);
demo_checkout_routes.py is the demo checkout page, demo_checkout.py its Pay action.
"""
