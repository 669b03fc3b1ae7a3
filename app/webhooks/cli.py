"""`flask webhooks ...`: failed Stripe events from the command line (§8, §14)."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from app.webhooks import failures

webhooks_cli = AppGroup("webhooks", help="Failed Stripe webhook events.")


@webhooks_cli.command("replay")
@click.argument("event_id")
def replay(event_id: str) -> None:
    """Handle a failed (pending or dead) event again now and print the outcome."""
    if failures.get_failed(event_id) is None:
        raise click.ClickException(f"no failed webhook with event id {event_id}")
    outcome = failures.replay(event_id)
    click.echo(f"{event_id}: {outcome}")
    if outcome in ("failed", failures.DEAD, failures.WAITING):
        raise SystemExit(1)


@webhooks_cli.command("resolve")
@click.argument("event_id")
def resolve(event_id: str) -> None:
    """Stop retrying an event that was dealt with by hand."""
    if not failures.resolve(event_id):
        raise click.ClickException(f"no failed webhook with event id {event_id}")
    click.echo(f"{event_id}: resolved")


@webhooks_cli.command("list")
@click.option("--status", type=click.Choice(["pending", "dead", "resolved"]), default=None)
def list_failed(status: str | None) -> None:
    """Failed events, newest first."""
    rows = failures.list_failed(status)
    for row in rows:
        click.echo(f"{row.event_id}\t{row.type}\t{row.status}\tattempts={row.attempts}\t"
                   f"{(row.last_error or '')[:80]}")
    if not rows:
        click.echo("no failed webhooks")
