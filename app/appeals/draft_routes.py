"""Letter drafting endpoints: 202 + poll URL (§5 step 4, §6)."""
from flask import Blueprint

bp = Blueprint("drafts", __name__)
