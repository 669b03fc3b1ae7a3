"""The appeal letter as a PDF: US Letter, black and white, its exhibits one per page (§17).

Lob mails it with `address_placement: insert_blank_page`: Lob prints the addresses for the
envelope's window on a page of its own in front of ours, so our page 1 is the letter itself
(see letter_story). Every page carries the citation number and "Page i of n": the canvas
holds each finished page until the last one, then prints the footers, so the letter is
laid out once (laying it out twice, first to count the pages, cost a quarter of a build).
The same letter gives the same bytes.

ReportLab rather than fpdf2: fpdf2 parses the TrueType font again for every document (about
0.75 s a letter on this machine), ReportLab once per process; WeasyPrint needs Pango.
"""
from __future__ import annotations

import functools
import io
from typing import Callable

from reportlab.lib.colors import black
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import SimpleDocTemplate

from app.fulfilment.letter_document import MAX_LINE_CHARS, LetterDocument, check_bounds
from app.fulfilment.letter_fonts import LetterFonts, letter_fonts, printable
from app.fulfilment.letter_images import exhibit_image, signature_image
from app.fulfilment.letter_story import (CAPTION_CHARS, EXHIBIT_BOX_IN, FRAME_PAD, MARGIN_BOTTOM,
                                         MARGIN_TOP, MARGIN_X, SIGNATURE_BOX_IN, PrintedLetter,
                                         exhibit_title, letter_story)


def build_letter_pdf(document: LetterDocument, *, fonts: LetterFonts | None = None) -> bytes:
    """The PDF bytes; LetterNotPrintable (a ValueError) says plainly what is wrong."""
    check_bounds(document)
    fonts = fonts or letter_fonts()
    return _render(printed_letter(document, fonts), fonts)


def printed_letter(document: LetterDocument, fonts: LetterFonts) -> PrintedLetter:
    def clean(value: str, limit: int = MAX_LINE_CHARS) -> str:
        value = " ".join(printable(value or "", fonts).split())
        return value if len(value) <= limit else value[:limit - 1] + "…"

    name = clean(document.driver_name)
    return PrintedLetter(
        citation=clean(document.citation_number),
        sender=tuple(map(clean, (document.driver_name, *document.return_address_lines))),
        date=f"{document.mailing_date:%B} {document.mailing_date.day}, {document.mailing_date.year}",
        recipient=tuple(map(clean, (document.agency_name, *document.office_address_lines))),
        text=printable(document.letter_text, fonts).strip(),
        closing=clean(document.closing) or "Sincerely,", name=name,
        typed_signature=clean(document.signature_name) or name,
        signature=(signature_image(document.signature_png, *SIGNATURE_BOX_IN)
                   if document.signature_png else None),
        exhibits=tuple(
            (exhibit_title(number, clean(exhibit.caption, CAPTION_CHARS)),
             exhibit_image(exhibit.data, exhibit.content_type, *EXHIBIT_BOX_IN, f"Exhibit {number}"))
            for number, exhibit in enumerate(document.exhibits, start=1)))


class NumberedCanvas(Canvas):
    """A canvas that prints each page's footer once it knows how many pages there are.

    ReportLab's own recipe for "Page i of n": a finished page's drawing state is kept
    instead of written, and every page is written at `save`, after `footer(canvas, i, n)`.
    """

    def __init__(self, *args, footer: Callable[[Canvas, int, int], None], **kwargs):
        super().__init__(*args, **kwargs)
        self._footer = footer
        self._held_pages: list[dict] = []

    def showPage(self):
        self._held_pages.append(dict(self.__dict__))
        self._startPage()

    def save(self):
        total = len(self._held_pages)
        for state in self._held_pages:
            self.__dict__.update(state)
            self._footer(self, self._pageNumber, total)
            super().showPage()
        super().save()


def _render(letter: PrintedLetter, fonts: LetterFonts) -> bytes:
    def footer(canvas: Canvas, number: int, total: int) -> None:
        canvas.saveState()
        canvas.setFillColor(black)
        canvas.setFont(fonts.regular, 9)
        canvas.drawString(MARGIN_X + FRAME_PAD, 0.55 * inch, f"Citation {letter.citation}")
        canvas.drawRightString(LETTER[0] - MARGIN_X - FRAME_PAD, 0.55 * inch,
                               f"Page {number} of {total}")
        canvas.restoreState()

    out = io.BytesIO()
    template = SimpleDocTemplate(
        out, pagesize=LETTER, leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM, title=f"Appeal of citation {letter.citation}",
        author="Fight City Tickets", creator="Fight City Tickets",
        subject="Parking citation appeal", invariant=1, pageCompression=1)
    template.build(letter_story(letter, fonts),
                   canvasmaker=functools.partial(NumberedCanvas, footer=footer))
    return out.getvalue()
