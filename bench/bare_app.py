"""The bare baseline: a minimal Flask app with no extensions, served by the same gunicorn
settings as the real app, answering the benchmarked paths with the very bytes the real
app answered (captured once, see services.capture_responses).

For the appeal page it also runs one single-row query against the same PostgreSQL
database, so the comparison keeps the database round trip and measures only what the
hardened app adds (ORM, breakers, limits, metrics, templates, security headers...).

Environment: BARE_RESPONSES (a JSON file: path -> status, content_type, body in base64),
BARE_DATABASE_URL (SQLAlchemy URL), GUNICORN_THREADS (pool size: one connection a thread).
"""
from __future__ import annotations

import base64
import json
import os
from pathlib import Path

from flask import Flask, Response, abort
from sqlalchemy import create_engine, text

RESPONSES = json.loads(Path(os.environ["BARE_RESPONSES"]).read_text())
APPEAL_QUERY = text("SELECT id, public_id, status, city_slug, citation_number "
                    "FROM appeals WHERE public_id = :id")

# gunicorn imports this module in each worker (no preload), so each has its own pool.
engine = create_engine(os.environ["BARE_DATABASE_URL"],
                       pool_size=int(os.environ.get("GUNICORN_THREADS", "4")), max_overflow=0)
app = Flask(__name__)


def canned(path: str) -> Response:
    entry = RESPONSES.get(path)
    if entry is None:
        abort(404)
    return Response(base64.b64decode(entry["body"]), status=entry["status"],
                    content_type=entry["content_type"])


@app.get("/health")
def health():
    return canned("/health")


@app.get("/api/public/cities/<slug>")
def city(slug: str):
    return canned(f"/api/public/cities/{slug}")


@app.get("/appeals/<public_id>")
def appeal_status(public_id: str):
    with engine.connect() as conn:
        row = conn.execute(APPEAL_QUERY, {"id": public_id}).first()
    if row is None:
        abort(404)
    return canned(f"/appeals/{public_id}")
