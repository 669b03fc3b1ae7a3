"""Unsubscribe and consent endpoints (§10)."""
from flask import Blueprint

bp = Blueprint("unsubscribe", __name__)
