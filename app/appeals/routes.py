"""The driver's pages (§5)."""
from flask import Blueprint, render_template

bp = Blueprint("appeals", __name__)


@bp.get("/")
def home():
    return render_template("appeals/home.html")
