"""Public, database-free city endpoints (§7)."""
from flask import Blueprint

bp = Blueprint("cities", __name__, url_prefix="/api/public")
