"""The database session around a connection the server terminates mid-request."""
import logging

import pytest
from sqlalchemy import text

from app.extensions import db


@pytest.mark.postgres
def test_a_connection_terminated_by_the_server_does_not_break_the_teardown(app_factory, backend, caplog):
    # What a PostgreSQL restart or failover does to a request in flight: its backend is
    # terminated ("terminating connection due to administrator command"). Leaving the app
    # context then rolls back on a dead connection; that must not raise (under gunicorn it
    # turned an answered request into a 500).
    app = app_factory()
    with caplog.at_level(logging.WARNING, logger="app.database"):
        with app.app_context():
            backend_pid = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
            with db.engine.connect() as other:
                assert other.execute(text("SELECT pg_terminate_backend(:pid)"),
                                     {"pid": backend_pid}).scalar_one() is True
    assert "database session closed on a dead connection" in caplog.text
    with app.app_context():  # the pool hands out a live connection again
        assert db.session.execute(text("SELECT 1")).scalar_one() == 1
