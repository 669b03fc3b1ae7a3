"""INSERT ... ON CONFLICT DO NOTHING on both databases (PostgreSQL and SQLite 3.24+).

Unlike catching IntegrityError, a conflict here does not abort the surrounding transaction,
so it is safe inside the caller's unit of work.
"""
from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.extensions import db


def ignoring_conflicts(model, values: dict, index_elements: list[str]):
    """The INSERT ... ON CONFLICT DO NOTHING statement for one row (add .returning())."""
    dialect = db.session.get_bind(mapper=model.__mapper__).dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return insert(model).values(**values).on_conflict_do_nothing(index_elements=index_elements)


def insert_ignoring_conflicts(model, values: dict, index_elements: list[str]) -> int:
    """Insert one row unless it collides on `index_elements`; returns 1 if inserted."""
    result = db.session.execute(ignoring_conflicts(model, values, index_elements))
    return result.rowcount or 0
