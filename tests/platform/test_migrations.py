"""Migrations build the full schema on SQLite and PostgreSQL, and agree with the models."""
import pytest
from sqlalchemy import create_engine, inspect

from app.extensions import db

TABLES = {"appeals", "evidence_photos", "ai_requests", "stripe_events", "failed_webhooks",
          "email_outbox", "followup_events", "consents", "consent_audit_log", "admin_users",
          "job_runs", "operator_alerts"}


@pytest.mark.both_databases
def test_upgrade_downgrade_and_no_pending_changes(app, runner, database_url):
    engine = create_engine(database_url)
    assert TABLES <= set(inspect(engine).get_table_names())

    check = runner.invoke(args=["db", "check"])
    assert check.exit_code == 0, check.output

    down = runner.invoke(args=["db", "downgrade", "base"])
    assert down.exit_code == 0, down.output
    left = set(inspect(engine).get_table_names()) - {"alembic_version"}
    assert not (left & TABLES)

    up = runner.invoke(args=["db", "upgrade"])
    assert up.exit_code == 0, up.output
    assert TABLES <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_migrations_have_a_single_head(app):
    from app.health.checks import migration_head

    with app.app_context():
        assert migration_head()  # raises if alembic finds several heads


@pytest.mark.both_databases
def test_unique_keys_that_make_things_idempotent(app, database_url):
    engine = create_engine(database_url)
    inspector = inspect(engine)

    def unique_columns(table):
        found = {tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)}
        found |= {tuple(i["column_names"]) for i in inspector.get_indexes(table) if i["unique"]}
        return found

    assert ("event_id",) in unique_columns("stripe_events")
    assert ("idempotency_key",) in unique_columns("email_outbox")
    assert ("appeal_id", "followup_number") in unique_columns("followup_events")
    assert ("public_id",) in unique_columns("appeals")
    engine.dispose()
