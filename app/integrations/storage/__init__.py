"""The storage integration: one interface, the provider chosen from Settings."""
from __future__ import annotations

from flask import Flask

from app.config import Settings


def init_app(app: Flask, settings: Settings) -> None:
    """Bind the configured storage provider to `app.extensions`."""
