"""The email integration: one interface, the provider chosen from Settings (EMAIL_BACKEND)."""
from __future__ import annotations

from flask import Flask, current_app

from app.config import Settings
from app.integrations.email.base import (Mailer, MailError, PermanentMailError,
                                         TransientMailError)
from app.integrations.email.console import ConsoleMailer
from app.integrations.email.smtp import SMTPMailer

__all__ = ["Mailer", "MailError", "PermanentMailError", "TransientMailError", "build", "init_app",
           "mailer"]


def build(settings: Settings) -> Mailer:
    if settings.email_backend == "smtp":
        return SMTPMailer(settings.smtp_host, settings.smtp_port,
                          username=settings.smtp_username, password=settings.smtp_password,
                          starttls=settings.smtp_starttls, timeout_s=settings.smtp_timeout_s,
                          mail_from=settings.mail_from)
    return ConsoleMailer(log_bodies=not settings.is_production)


def init_app(app: Flask, settings: Settings) -> None:
    """Bind the configured mailer as `app.extensions["mailer"]` (nothing connects here)."""
    app.extensions["mailer"] = build(settings)


def mailer() -> Mailer:
    """The running app's mailer (SMTP or console); nothing connects until a session opens."""
    return current_app.extensions["mailer"]
