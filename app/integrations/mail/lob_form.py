"""A letter as Lob's create-letter form, and Lob's answers read back into our terms."""
from __future__ import annotations

from datetime import date, datetime

import httpx

from app.integrations.mail.base import (MailConfigError, MailError, MailReceipt, MailRejected,
                                        MailRequest, PostalAddress)

ADDRESS_FIELDS = (("name", "name"), ("company", "company"), ("line1", "address_line1"),
                  ("line2", "address_line2"), ("city", "address_city"),
                  ("state", "address_state"), ("zip", "address_zip"))


def letter_form(letter: MailRequest) -> dict[str, str]:
    """The multipart fields (the PDF goes as `file` beside them)."""
    if letter.mail_class not in ("standard", "certified"):
        raise ValueError(f"unknown mail class {letter.mail_class!r}")
    if not letter.pdf.startswith(b"%PDF-"):
        raise ValueError("the letter must be a PDF")
    form = {**_address("to", letter.to), **_address("from", letter.sender),
            "color": "false", "use_type": "operational", "mail_type": "usps_first_class",
            # Lob prints the addresses on a page of its own; our page 1 is the letter
            "address_placement": "insert_blank_page",
            # ids only: Lob's metadata is no place for personal data (§13)
            "metadata[appeal_id]": letter.appeal_public_id,
            "metadata[letter_version]": str(letter.letter_version)}
    if letter.mail_class == "certified":
        form["extra_service"] = "certified_return_receipt" if letter.return_receipt else "certified"
    return form


def _address(prefix: str, address: PostalAddress) -> dict[str, str]:
    return {f"{prefix}[{lob_name}]": str(getattr(address, ours)).strip()
            for ours, lob_name in ADDRESS_FIELDS if str(getattr(address, ours) or "").strip()}


def receipt(body: dict, key: str) -> MailReceipt:
    return MailReceipt(provider="lob", status="submitted", idempotency_key=key,
                       letter_id=body["id"], tracking_number=body.get("tracking_number") or None,
                       expected_delivery_date=_parse(date, body.get("expected_delivery_date")),
                       send_date=_parse(datetime, body.get("send_date")))


def _parse(kind, value):
    """A date or an aware datetime from Lob's ISO text; None when absent or unreadable."""
    try:
        return kind.fromisoformat(str(value).replace("Z", "+00:00")) if value else None
    except ValueError:
        return None


def refusal(response: httpx.Response) -> MailError:
    """What a 4xx answer (other than 429) means: our set-up is wrong, or this letter is."""
    try:
        error = response.json().get("error") or {}
    except (ValueError, AttributeError):
        error = {}
    message = str(error.get("message") or response.reason_phrase)[:500]
    code = str(error.get("code") or "")
    status = response.status_code
    if status in (401, 403) or (status == 404 and code != "not_found"):
        return MailConfigError(f"Lob refused the request ({status}): {message}")
    return MailRejected(f"Lob refused the letter ({status} {code or 'error'}): {message}",
                        code=code, status=status)
