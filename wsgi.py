"""WSGI entry point for gunicorn (`gunicorn wsgi:app`) and the development server.

The embedded scheduler starts here, not in create_app, so tests and CLI commands that
build the app never start one; production runs `SCHEDULER_MODE=off` and a separate
`flask jobs run` worker.
"""
from app import create_app
from app.jobs.runner import start_embedded

app = create_app()
start_embedded(app)
