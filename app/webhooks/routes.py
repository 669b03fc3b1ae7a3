"""Stripe webhook endpoint (§8)."""
from flask import Blueprint

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")
