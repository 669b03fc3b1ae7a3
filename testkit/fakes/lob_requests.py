"""What a client sends to Lob, read back the way Lob reads it.

Lob takes the same parameters as JSON (what lob-python sends), as a form
(`to[address_line1]=...`, what curl and plain HTTP clients send) or as multipart, where
`file` may be the PDF itself. `letter_params` checks them as the API does: the required
fields, the published enums and the addresses, with Lob's error codes. A `to` address whose
first line contains "undeliverable" is refused as Lob refuses an undeliverable address when
the account's deliverability strictness is on (422 failed_deliverability_strictness).
"""
from __future__ import annotations

import io
import json

from werkzeug.formparser import parse_form_data

from testkit.fakes.lob_objects import ADDRESS_LINES_MAX, LobError, enum
from testkit.fakes.stripe_objects import decode_form

REQUIRED = ("to", "from", "file", "color", "use_type")
ENUMS = {"mail_type": "mail_type", "extra_service": "extra_service",
         "address_placement": "address_placement", "use_type": "ltr_use_type"}
BOOLEANS = ("color", "double_sided", "return_envelope", "fsc")
US_ADDRESS = ("address_line1", "address_city", "address_state", "address_zip")
UNDELIVERABLE = "undeliverable"  # in to.address_line1: Lob refuses the address (strictness on)


def decode_body(content_type: str, body: bytes) -> tuple[dict, dict[str, bytes]]:
    """The parameters and the uploaded files of a POST body, whatever its encoding."""
    if content_type.startswith("application/json"):
        try:
            params = json.loads(body or b"{}")
        except ValueError:
            raise LobError(422, "Request body is not valid JSON", "bad_request") from None
        if not isinstance(params, dict):
            raise LobError(422, "Request body must be a JSON object", "bad_request")
        return params, {}
    environ = {"REQUEST_METHOD": "POST", "CONTENT_TYPE": content_type,
               "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)}
    _, form, files = parse_form_data(environ)
    uploads = {name: storage.read() for name, storage in files.items()}
    return decode_form(list(form.items(multi=True))), uploads


def _boolean(name: str, value):
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("true", "false"):
        return str(value).lower() == "true"
    raise LobError(422, f"{name} must be a boolean")


def letter_params(params: dict, uploads: dict[str, bytes]) -> tuple[dict, bytes | None]:
    """Validated create parameters (booleans decoded) and the uploaded PDF, if any."""
    params = dict(params)
    pdf = uploads.get("file")
    if pdf is not None:
        if not pdf.startswith(b"%PDF-"):
            raise LobError(422, "file is not a valid PDF", "invalid_file")
        params["file"] = "(uploaded PDF)"
    for name in REQUIRED:
        if params.get(name) in (None, ""):
            code = "mail_use_type_can_not_be_null" if name == "use_type" else "invalid"
            raise LobError(422, f"{name} is required", code)
    for name in BOOLEANS:
        if name in params:
            params[name] = _boolean(name, params[name])
    for name, schema_name in ENUMS.items():
        allowed = enum(schema_name)
        if params.get(name) is not None and params[name] not in allowed:
            raise LobError(422, f"{name} must be one of [{', '.join(allowed)}]")
    for side in ("to", "from"):
        check_address(side, params[side])
    return params, pdf


def check_address(side: str, value) -> None:
    if isinstance(value, str):
        if value.startswith("adr_"):
            raise LobError(404, f"{side} address not found", "not_found")  # the fake keeps no address book
        raise LobError(422, f"{side} must be an address object or an address id")
    if not isinstance(value, dict):
        raise LobError(422, f"{side} must be an address object or an address id")
    for field in US_ADDRESS:
        if not value.get(field):
            raise LobError(422, f"{side}.{field} is required")
    if len(str(value["address_line1"])) + len(str(value.get("address_line2") or "")) > ADDRESS_LINES_MAX:
        raise LobError(422, f"{side}.address_line1 and {side}.address_line2 must not exceed "
                            f"{ADDRESS_LINES_MAX} characters combined", "address_length_exceeds_limit")
    if side == "to" and UNDELIVERABLE in str(value["address_line1"]).lower():
        raise LobError(422, "The to address does not meet your deliverability strictness requirements",
                       "failed_deliverability_strictness")


def verification_params(params: dict) -> dict:
    if not (params.get("primary_line") or params.get("address")):
        raise LobError(422, "primary_line is required or address is required")
    if params.get("primary_line") and params.get("address"):
        raise LobError(422, "address cannot be used with primary_line")
    return params
