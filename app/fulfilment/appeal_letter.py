"""An appeal's current letter version as the printed document the city receives (§17).

The body is the stored letter without its own frame (letter_body); the frame is printed
from the appeal: the driver's return address, the day of mailing, the office's address
from the city data, the drawn signature (or the typed name) and the photos as numbered
exhibits, the ticket first. A city with no confirmed mailing address still gets a letter
the driver can post themselves: the office block names the agency and the city and leaves
lines for the address to be written in.
"""
from __future__ import annotations

from datetime import date

from app.cities import registry
from app.cities.model import City
from app.fulfilment.letter_body import split_letter
from app.fulfilment.letter_document import Exhibit, LetterDocument, LetterNotPrintable
from app.fulfilment.letter_images import PIL_FORMATS
from app.fulfilment.letter_pdf import build_letter_pdf
from app.fulfilment.letter_print_copies import PRINT_COPY_TYPE, print_copy, stored_bytes
from app.integrations.storage import Storage, file_storage
from app.models import Appeal, EvidencePhoto

TICKET_KIND = "ticket"
TICKET_CAPTION = "The parking ticket"
EVIDENCE_CAPTION = "Photo"
FILL_IN_LINE = "_" * 36  # room to write the office's address by hand


def has_signed_letter(appeal: Appeal) -> bool:
    """Whether the appeal has a letter and the driver has signed it (drawn or typed)."""
    return bool((appeal.letter_text or "").strip()
                and (appeal.signature_key or (appeal.signature_name or "").strip()))


def letter_pdf_for(appeal: Appeal, mailing_date: date) -> bytes:
    """The PDF of the appeal's current letter; LetterNotPrintable says plainly what is wrong."""
    return build_letter_pdf(letter_document_for(appeal, mailing_date))


def letter_document_for(appeal: Appeal, mailing_date: date,
                        storage: Storage | None = None) -> LetterDocument:
    """Everything the printed letter shows, read from the appeal, its city and the file store."""
    storage = storage or file_storage()
    city = registry.get(appeal.city_slug)
    agency, office = office_block(city, appeal.citation_number)
    body, closing = split_letter(appeal.letter_text or "")
    signature = _signature(storage, appeal.signature_key)
    return LetterDocument(
        citation_number=appeal.citation_number, agency_name=agency,
        office_address_lines=office, driver_name=appeal.driver_name or "",
        return_address_lines=return_address_lines(appeal), letter_text=body, closing=closing,
        mailing_date=mailing_date, signature_png=signature,
        signature_name=appeal.signature_name or "",
        exhibits=tuple(_exhibit(storage, photo, number)
                       for number, photo in enumerate(exhibit_photos(appeal), start=1)))


def office_block(city: City, citation_number: str) -> tuple[str, tuple[str, ...]]:
    """(agency, address lines): the confirmed address, else the agency and lines to fill in."""
    address = city.appeal_address
    if address is not None:
        return address.department, tuple(address.lines()[1:])
    check = registry.check_citation(city.slug, citation_number, None)
    agency = check.agency or city.agencies[0].name
    return agency, (city.name, FILL_IN_LINE, FILL_IN_LINE)


def return_address_lines(appeal: Appeal) -> tuple[str, ...]:
    """The structured return address when the appeal has one, else the address as typed."""
    if (appeal.return_line1 or "").strip():
        city_state = ", ".join(part for part in (appeal.return_city, appeal.return_state) if part)
        place = " ".join(part for part in (city_state, appeal.return_zip) if part)
        return tuple(line.strip() for line in (appeal.return_line1, appeal.return_line2, place)
                     if (line or "").strip())
    text = (appeal.return_address or "").replace("\r\n", "\n")
    return tuple(line.strip() for line in text.split("\n") if line.strip())


def exhibit_photos(appeal: Appeal) -> list[EvidencePhoto]:
    """The photos that print as exhibits, the ticket first, then in the order they came.

    A PDF the driver attached is not an image the letter can print; it stays on the
    appeal page (and in the driver's hands) but is not enclosed.
    """
    printable = [photo for photo in appeal.photos if photo.content_type in PIL_FORMATS]
    return sorted(printable, key=lambda photo: (photo.kind != TICKET_KIND, photo.id))


def _exhibit(storage: Storage, photo: EvidencePhoto, number: int) -> Exhibit:
    """The exhibit as its print copy (letter_print_copies): the same picture the original
    would print as, already greyscale and sized, so the letter only passes it through."""
    caption = TICKET_CAPTION if photo.kind == TICKET_KIND else EVIDENCE_CAPTION
    data = print_copy(storage, photo, f"Exhibit {number}")
    if data is None:
        raise LetterNotPrintable(f"Exhibit {number} is no longer stored.")
    return Exhibit(caption, data, PRINT_COPY_TYPE)


def _signature(storage: Storage, key: str | None) -> bytes | None:
    if not key:
        return None
    data = stored_bytes(storage, key)
    if data is None:
        raise LetterNotPrintable("The signature is no longer stored.")
    return data
