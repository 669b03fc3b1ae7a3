"""Integrations behind small interfaces; the provider is chosen here from Settings.

The web layer asks `current_app.extensions[...]` for a payments gateway, a letter writer,
a mailer or a file store and never knows which provider (or fallback) answers.
"""
from __future__ import annotations

from flask import Flask

from app.config import Settings
from app.integrations import ai, email, mail, ocr, payments, storage


def init_app(app: Flask, settings: Settings) -> None:
    for integration in (storage, email, payments, ai, ocr, mail):
        integration.init_app(app, settings)
