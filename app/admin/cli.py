"""`flask admin create-user|set-password|remove-user EMAIL`.

A password change or a removal ends every session the operator has open (see
app/operators/sessions.py): a cookie taken before it no longer signs anyone in.
"""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from app.extensions import db
from app.models import AdminUser
from app.operators import sessions

admin_cli = AppGroup("admin", help="Operator accounts.")
MIN_PASSWORD = 12


def _read_password() -> str:
    """Prompt twice on a terminal; read one line from stdin when scripted."""
    if sys.stdin.isatty():
        return click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\n")


def _valid_password() -> str:
    password = _read_password()
    if len(password) < MIN_PASSWORD:
        raise click.UsageError(f"the password must have at least {MIN_PASSWORD} characters")
    return password


def _find(email: str) -> AdminUser | None:
    return db.session.execute(select(AdminUser).filter_by(email=email)).scalar_one_or_none()


@admin_cli.command("create-user")
@click.argument("email")
def create_user(email: str) -> None:
    """Create an operator account (password prompted, or read from stdin)."""
    email = email.strip().lower()
    if "@" not in email:
        raise click.UsageError("EMAIL must be an email address")
    if _find(email) is not None:
        raise click.UsageError(f"an operator {email} already exists; use set-password")
    user = AdminUser(email=email)
    user.set_password(_valid_password())
    db.session.add(user)
    db.session.commit()
    click.echo(f"operator {email} created")


@admin_cli.command("set-password")
@click.argument("email")
def set_password(email: str) -> None:
    """Change an operator's password."""
    user = _find(email.strip().lower())
    if user is None:
        raise click.UsageError(f"no operator {email}")
    user.set_password(_valid_password())
    ended = sessions.revoke_all(user.id, "password_changed")
    db.session.commit()
    click.echo(f"password changed for {user.email}; {ended} open session(s) ended")


@admin_cli.command("remove-user")
@click.argument("email")
def remove_user(email: str) -> None:
    """Remove an operator account; its sessions end with it."""
    user = _find(email.strip().lower())
    if user is None:
        raise click.UsageError(f"no operator {email}")
    ended = sessions.revoke_all(user.id, "operator_removed")
    db.session.delete(user)
    db.session.commit()
    click.echo(f"operator {user.email} removed; {ended} open session(s) ended")
