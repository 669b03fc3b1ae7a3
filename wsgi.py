"""WSGI entry point for gunicorn (`gunicorn wsgi:app`) and the development server.

In embedded mode the scheduler starts with the first request served, not at import nor in
create_app: the `flask` commands load this module too (`flask --app wsgi:app ...`) and must
never start one. Production runs `SCHEDULER_MODE=off` and a separate `flask jobs run` worker.
"""
from app import create_app
from app.jobs.runner import start_embedded_when_serving

app = create_app()
start_embedded_when_serving(app)
