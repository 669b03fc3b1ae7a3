"""The webhooks blueprint object; its views live in routes.py and demo_checkout_routes.py."""
from flask import Blueprint

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")
