"""The driver's return address: kept in the parts a mail provider needs, and as text to show."""
from __future__ import annotations

from app.appeals.service import ensure_editable
from app.models import Appeal


def composed(line1: str, line2: str | None, city: str, state: str, zip_code: str) -> str:
    """The address as it is printed on an envelope: street, unit, then "City, ST 12345"."""
    return "\n".join(line for line in (line1, line2, f"{city}, {state} {zip_code}") if line)


def normal_zip(value: str) -> str:
    digits = value.replace("-", "")
    return f"{digits[:5]}-{digits[5:]}" if len(digits) == 9 else digits


def set_return_address(appeal: Appeal, *, line1: str, line2: str | None, city: str, state: str,
                       zip_code: str) -> None:
    """Record the parts and the composed text on the appeal; the caller commits."""
    ensure_editable(appeal)
    zip_code = normal_zip(zip_code)
    appeal.return_line1, appeal.return_line2 = line1, line2 or None
    appeal.return_city, appeal.return_state, appeal.return_zip = city, state.upper(), zip_code
    appeal.return_address = composed(line1, line2, city, state.upper(), zip_code)
