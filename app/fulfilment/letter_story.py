"""What the letter's pages show, as ReportLab flowables, from text already made printable.

Page 1 is laid out as a letter is: the driver's return address, the date, the office's
address, a subject line, the body, the closing, the signature above the printed name, and
"Enclosures:" listing every exhibit by the title its own page carries.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.lib.colors import black
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.platypus import HRFlowable, Image, KeepTogether, PageBreak, Paragraph, Spacer

from app.fulfilment.letter_fonts import LetterFonts
from app.fulfilment.letter_images import SIGNATURE_DPI, PrintImage

MARGIN_X, MARGIN_TOP, MARGIN_BOTTOM = 1.0 * inch, 0.9 * inch, 0.9 * inch
FRAME_PAD = 6  # SimpleDocTemplate's frame padding, each side
CONTENT_W = LETTER[0] - 2 * MARGIN_X - 2 * FRAME_PAD
CONTENT_H = LETTER[1] - MARGIN_TOP - MARGIN_BOTTOM - 2 * FRAME_PAD
CAPTION_CHARS = 120  # an exhibit's title then takes at most three lines…
TITLE_ROOM = 1.0 * inch  # …which, with the space under them, fit in this
EXHIBIT_BOX_IN = (CONTENT_W / inch, (CONTENT_H - TITLE_ROOM) / inch)
SIGNATURE_BOX_IN = (3.0, 0.7)
SUBJECT = re.compile(r"^\s*(re|subject)\s*:", re.IGNORECASE)


@dataclass(frozen=True)
class PrintedLetter:
    """Everything the pages show: printable text only, pictures decoded for print."""
    citation: str
    sender: tuple[str, ...]  # the driver's name and return address
    date: str
    recipient: tuple[str, ...]  # the agency and the office's address
    text: str
    closing: str
    name: str
    typed_signature: str  # printed as "/s/ …" when there is no signature image
    signature: PrintImage | None
    exhibits: tuple[tuple[str, PrintImage], ...]  # ("Exhibit N — caption", photo)


def exhibit_title(number: int, caption: str) -> str:
    return f"Exhibit {number} — {caption}" if caption else f"Exhibit {number}"


def letter_story(letter: PrintedLetter, fonts: LetterFonts) -> list:
    styles = _styles(fonts)
    body = styles["body"]
    story = [_lines(letter.sender, body), Spacer(1, 14), Paragraph(escape(letter.date), body),
             Spacer(1, 14), _lines(letter.recipient, body), Spacer(1, 14)]
    if not any(SUBJECT.match(line) for line in letter.text.split("\n")[:6]):
        story += [Paragraph(escape(f"Re: Citation {letter.citation}"), styles["bold"]),
                  Spacer(1, 10)]
    for paragraph in re.split(r"\n\s*\n", letter.text):
        if paragraph.strip():
            story.append(_lines(paragraph.split("\n"), styles["paragraph"]))
    story.append(KeepTogether([Spacer(1, 6), Paragraph(escape(letter.closing), body),
                               *_signature(letter, body), Paragraph(escape(letter.name), body)]))
    if letter.exhibits:
        story += [Spacer(1, 16), Paragraph("Enclosures:", body),
                  *(Paragraph(escape(title), styles["enclosure"]) for title, _ in letter.exhibits)]
    for title, photo in letter.exhibits:
        story += [PageBreak(), Paragraph(escape(title), styles["bold"]), Spacer(1, 10),
                  _fitted(photo, CONTENT_W, CONTENT_H - TITLE_ROOM)]
    return story


def _signature(letter: PrintedLetter, style: ParagraphStyle) -> list:
    if letter.signature is not None:
        width, height = (side * inch for side in SIGNATURE_BOX_IN)
        return [Spacer(1, 4), _fitted(letter.signature, width, height, dpi=SIGNATURE_DPI,
                                      align="LEFT"), Spacer(1, 4)]
    return [Spacer(1, 14), Paragraph(escape(f"/s/ {letter.typed_signature}"), style),
            HRFlowable(width=2.75 * inch, thickness=0.6, color=black, hAlign="LEFT",
                       spaceBefore=1, spaceAfter=3)]


def _fitted(picture: PrintImage, box_w: float, box_h: float, *, dpi: int | None = None,
            align: str = "CENTER") -> Image:
    """The picture as large as fits the box (and, given `dpi`, no larger than that allows)."""
    scale = min(box_w / picture.width_px, box_h / picture.height_px)
    if dpi:
        scale = min(scale, 72 / dpi)
    flowable = Image(io.BytesIO(picture.data), width=picture.width_px * scale,
                     height=picture.height_px * scale)
    flowable.hAlign = align
    return flowable


def _lines(lines, style: ParagraphStyle) -> Paragraph:
    return Paragraph("<br/>".join(escape(line) for line in lines if line), style)


def _styles(fonts: LetterFonts) -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=fonts.regular, fontSize=10.5, leading=14,
                          textColor=black)
    return {"body": body,
            "paragraph": ParagraphStyle("paragraph", parent=body, spaceAfter=9),
            "bold": ParagraphStyle("bold", parent=body, fontName=fonts.bold, fontSize=11.5,
                                   leading=15),
            "enclosure": ParagraphStyle("enclosure", parent=body, leftIndent=18)}
