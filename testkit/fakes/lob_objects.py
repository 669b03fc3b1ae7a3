"""Lob-shaped objects for the fake Lob API, built from Lob's published OpenAPI description.

lob_fixtures.json holds the response examples and the schemas they reach (see its
`_source`). A letter starts from the published letter example and only what the request
sets (and ids, dates, links) is replaced, so the app is tested against the real shape;
`schema_errors` checks an answer against the published schema (OpenAPI 3.0, through
openapi-schema-validator).
"""
from __future__ import annotations

import copy
import datetime as dt
import functools
import json
import secrets
from pathlib import Path

from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

FIXTURES = Path(__file__).resolve().parent / "lob_fixtures.json"
TRANSIT_BUSINESS_DAYS = 5  # the published example: created on a Tuesday, expected the next Tuesday
ADDRESS_LINES_MAX = 50  # Lob's address_length_exceeds_limit: line1 + line2
# Lob's own examples break the published `signed_link` pattern (it demands "'" or
# "_signature" right after the id); answers are checked against it with this one relaxed.
SIGNED_LINK = {"type": "string", "pattern": r"^https://lob-assets\.com/"}


@functools.lru_cache(maxsize=1)
def _fixtures() -> dict:
    return json.loads(FIXTURES.read_text())


def example(name: str) -> dict:
    """A fresh copy of Lob's published example answer (letter, us_verification, event, ...)."""
    return copy.deepcopy(_fixtures()["examples"][name])


def schema(name: str) -> dict:
    return _fixtures()["components"]["schemas"][name]


def enum(name: str) -> list:
    """The allowed values of a published enum schema, without the `null` of nullable ones."""
    return [value for value in schema(name)["enum"] if value is not None]


def schema_errors(name: str, obj, *, published_signed_link: bool = False) -> list[str]:
    """Every way `obj` breaks the published schema `name`; [] when it conforms."""
    schemas = dict(_fixtures()["components"]["schemas"])
    if not published_signed_link:
        schemas["signed_link"] = SIGNED_LINK
    resource = Resource.from_contents({"components": {"schemas": schemas}}, default_specification=DRAFT4)
    validator = OAS30Validator({"$ref": f"urn:lob#/components/schemas/{name}"},
                               registry=Registry().with_resource("urn:lob", resource))
    found = []
    for error in validator.iter_errors(obj):
        found.append(f"{'/'.join(map(str, error.absolute_path)) or '(root)'}: [{error.validator}] "
                     f"{error.message[:300]}")
        found += [f"  {'/'.join(map(str, c.absolute_path))}: {c.message[:200]}" for c in error.context]
    return found


def new_id(prefix: str, length: int = 16) -> str:
    return f"{prefix}_{secrets.token_hex(length)[:length]}"


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def add_business_days(day: dt.date, days: int) -> dt.date:
    while days:
        day += dt.timedelta(days=1)
        days -= day.weekday() < 5
    return day


class LobError(Exception):
    """An answer Lob gives as an error object with an HTTP status (schema `error`)."""

    def __init__(self, status: int, message: str, code: str = "invalid"):
        super().__init__(message)
        self.status = status
        self.payload = {"error": {"message": message, "status_code": status, "code": code}}


def signed_link(path: str) -> str:
    expires = int(dt.datetime.now(dt.timezone.utc).timestamp()) + 30 * 86400
    return f"https://lob-assets.com/{path}?expires={expires}&signature={secrets.token_urlsafe(24)}"


def address(fields: dict, now: dt.datetime) -> dict:
    """The address object Lob answers for an inline address: standardised in upper case."""
    shaped = example("letter")["to"]
    upper = lambda key: (fields.get(key) or None) and str(fields[key]).upper()  # noqa: E731
    shaped.update(id=new_id("adr"), description=fields.get("description"), name=upper("name"),
                  company=upper("company"), phone=fields.get("phone"), email=fields.get("email"),
                  address_line1=upper("address_line1"), address_line2=upper("address_line2"),
                  address_city=upper("address_city"), address_state=upper("address_state"),
                  address_zip=str(fields.get("address_zip") or ""), address_country="UNITED STATES",
                  metadata=fields.get("metadata") or {}, date_created=iso(now), date_modified=iso(now))
    return shaped


def letter(params: dict, to: dict, from_: dict, now: dt.datetime) -> dict:
    """The letter object Lob answers for validated create parameters."""
    shaped = example("letter")
    letter_id = new_id("ltr")
    certified = params.get("extra_service") in ("certified", "certified_return_receipt")
    send_date = params.get("send_date") or iso(now)
    shaped.update(
        id=letter_id, description=params.get("description"), metadata=params.get("metadata") or {},
        to=to, **{"from": from_}, color=params["color"], double_sided=params.get("double_sided", True),
        address_placement=params.get("address_placement") or "top_first_page",
        return_envelope=False, perforated_page=None, custom_envelope=None,
        extra_service=params.get("extra_service"), mail_type=params.get("mail_type") or "usps_first_class",
        url=signed_link(f"letters/{letter_id}.pdf"), carrier="USPS",
        tracking_number=f"9407{secrets.randbelow(10**18):018d}" if certified else None,
        tracking_events=[], merge_variables=params.get("merge_variables"),
        thumbnails=[{size: signed_link(f"letters/{letter_id}_thumb_{size}_1.png")
                     for size in ("small", "medium", "large")}],
        expected_delivery_date=add_business_days(now.date(), TRANSIT_BUSINESS_DAYS).isoformat(),
        date_created=iso(now), date_modified=iso(now), send_date=send_date, cards=[],
        use_type=params["use_type"], fsc=False, status="processed", object="letter")
    return shaped


def us_verification(params: dict) -> dict:
    """A US verification answer shaped like the published one, echoing the address given.

    As in Lob's test environment, the primary line chooses the outcome: one containing
    "undeliverable" is undeliverable, "missing unit" is deliverable_missing_unit.
    """
    shaped = example("us_verification")
    line = str(params.get("primary_line") or params.get("address") or "").upper()
    city, state, zip_code = (str(params.get(k) or "").upper() for k in ("city", "state", "zip_code"))
    deliverability = ("undeliverable" if "UNDELIVERABLE" in line else
                      "deliverable_missing_unit" if "MISSING UNIT" in line else "deliverable")
    shaped.update(id=new_id("us_ver", 13), recipient=str(params.get("recipient") or "").upper() or None,
                  primary_line=line, secondary_line=str(params.get("secondary_line") or "").upper(),
                  last_line=" ".join(part for part in (city, state, zip_code) if part),
                  deliverability=deliverability, valid_address=deliverability != "undeliverable")
    shaped["components"].update(city=city, state=state, zip_code=zip_code[:5])
    if deliverability == "undeliverable":
        shaped["deliverability_analysis"].update(dpv_confirmation="N", dpv_footnotes=["AA", "M1"])
        shaped["lob_confidence_score"] = {"score": 0, "level": "low"}
    return shaped
