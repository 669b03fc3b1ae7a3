"""Posting a printed appeal letter: Lob's print-and-mail API, or the operators' print queue.

The provider is chosen where the app is wired (MAIL_BACKEND); both implement
`base.LetterMailer`, and nothing here reads configuration or opens a connection at import.
`init_app` binds the one for this app; `letter_mailer()` is how the mailing job finds it.
"""
from __future__ import annotations

from flask import Flask, current_app

from app.config import Settings
from app.integrations.mail.base import LetterMailer
from app.integrations.mail.lob import LobMailer
from app.integrations.mail.manual import ManualMailer

__all__ = ["LetterMailer", "build", "init_app", "letter_mailer"]


def build(settings: Settings, breakers) -> LetterMailer:
    """Lob behind the app's `mail` breaker when MAIL_BACKEND=lob, else the print queue."""
    if settings.mail_backend == "lob":
        return LobMailer(settings.lob_api_key, breaker=breakers["mail"],
                         base_url=settings.lob_api_base)
    return ManualMailer()


def init_app(app: Flask, settings: Settings) -> None:
    """Bind the configured letter mailer as `app.extensions["letter_mailer"]`."""
    app.extensions["letter_mailer"] = build(settings, app.extensions["breakers"])


def letter_mailer() -> LetterMailer:
    """The running app's letter mailer (Lob or the print queue)."""
    return current_app.extensions["letter_mailer"]
