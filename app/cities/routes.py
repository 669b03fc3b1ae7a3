"""Public, database-free city endpoints (§7).

Always 200 from the cached snapshot (an unknown slug gets San Francisco with
`"fallback": true` rather than a 404), with Cache-Control, a strong ETag and 304 on a
matching If-None-Match. The `public` limit counts per process by design (no network round
trip on the hottest path).
"""
from flask import Blueprint, Response, g, request

from app.cities import registry
from app.cities.public import PublicEntry
from app.resilience.limits import limited, per_ip_local

bp = Blueprint("cities", __name__, url_prefix="/api/public")


@bp.get("/cities")
@limited("public", key=per_ip_local)
def city_list():
    return _answer(registry.public_listing())


@bp.get("/cities/<slug>")
@limited("public", key=per_ip_local)
def city_detail(slug: str):
    entry, city = registry.public_city(slug, "detail")
    g.city_slug = city.slug
    return _answer(entry)


@bp.get("/cities/<slug>/theme")
@limited("public", key=per_ip_local)
def city_theme(slug: str):
    entry, city = registry.public_city(slug, "theme")
    g.city_slug = city.slug
    return _answer(entry)


def _answer(entry: PublicEntry) -> Response:
    if request.if_none_match.contains_weak(entry.etag):
        return Response(status=304, headers=entry.not_modified_headers)
    return Response(entry.body, status=200, headers=entry.headers)
