"""The bare Flask baseline: the same bytes and the same single-row query, no hardening.

Served by gunicorn with the same settings as the real app, so the ratio of the two is
the cost of the middleware, limits, breakers, metrics and logs.
"""
import os
from pathlib import Path

from flask import Flask, Response
from sqlalchemy import create_engine, text

FIXTURES = Path(os.environ["BENCH_FIXTURES"])
app = Flask(__name__)
engine = create_engine(os.environ["BENCH_DATABASE_URL"], pool_size=5, max_overflow=5)


HEALTH = (FIXTURES / "health.json").read_bytes()
CITY = (FIXTURES / "city_sf.json").read_bytes()
STATUS_PAGE = (FIXTURES / "status.html").read_bytes()


@app.get("/health")
def health():
    return Response(HEALTH, mimetype="application/json")


@app.get("/api/public/cities/sf")
def city():
    return Response(CITY, mimetype="application/json")


@app.get("/appeals/<public_id>")
def status(public_id):
    with engine.connect() as conn:
        row = conn.execute(text("SELECT id, status FROM appeals WHERE public_id = :p"),
                           {"p": public_id}).first()
    if row is None:
        return Response(status=404)
    return Response(STATUS_PAGE, mimetype="text/html")
