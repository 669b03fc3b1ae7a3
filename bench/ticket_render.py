"""Drawing a ticket's text onto paper in one of three layouts found on real tickets.

  inline  "LABEL: value" lines, short fields paired on one line
  table   labels in a left column, values aligned in a right one
  boxes   a carbon-form grid: a small label at the top of each box, the value below it
"""
from __future__ import annotations

from glob import glob
from random import Random

from PIL import Image, ImageDraw, ImageFont

from bench.ticket_content import TicketText

# Families available from Debian's fonts-dejavu-core and fonts-liberation (regular, bold).
FAMILIES = (
    ("dejavu/DejaVuSans.ttf", "dejavu/DejaVuSans-Bold.ttf"),
    ("dejavu/DejaVuSansMono.ttf", "dejavu/DejaVuSansMono-Bold.ttf"),
    ("dejavu/DejaVuSerif.ttf", "dejavu/DejaVuSerif-Bold.ttf"),
    ("liberation/LiberationSans-Regular.ttf", "liberation/LiberationSans-Bold.ttf"),
    ("liberation/LiberationMono-Regular.ttf", "liberation/LiberationMono-Bold.ttf"),
    ("liberation/LiberationSerif-Regular.ttf", "liberation/LiberationSerif-Bold.ttf"),
    ("liberation/LiberationSansNarrow-Regular.ttf", "liberation/LiberationSansNarrow-Bold.ttf"),
)
FONT_DIR = "/usr/share/fonts/truetype/"
LAYOUTS = ("inline", "table", "boxes")


def font_paths() -> list[tuple[str, str]]:
    found = [(FONT_DIR + regular, FONT_DIR + bold) for regular, bold in FAMILIES
             if glob(FONT_DIR + regular) and glob(FONT_DIR + bold)]
    if len(found) < len(FAMILIES):
        raise RuntimeError("ticket fonts missing: apt-get install fonts-dejavu-core fonts-liberation "
                           "(scripts/lib/debian-packages lists them)")
    return found


class Pen:
    def __init__(self, image: Image.Image, ink: tuple[int, int, int], rng: Random):
        self.draw, self.ink, self.rng = ImageDraw.Draw(image), ink, rng
        families = font_paths()
        self.label_family = rng.choice(families)
        self.value_family = rng.choice(families) if rng.random() < 0.6 else self.label_family

    def font(self, family: tuple[str, str], size: int, bold: bool = False):
        return ImageFont.truetype(family[bold], size)

    def text(self, xy, text: str, font, fill=None) -> int:
        """Draws and returns the width."""
        self.draw.text(xy, text, font=font, fill=fill or self.ink)
        return int(self.draw.textlength(text, font=font))


def render(text: TicketText, rng: Random, layout: str) -> Image.Image:
    width = rng.randrange(900, 1100)
    paper = rng.choice(((255, 255, 255), (250, 247, 235), (255, 250, 205), (252, 232, 236)))
    ink = rng.choice(((20, 20, 20), (35, 35, 60), (15, 25, 80)))
    image = Image.new("RGB", (width, 2400), paper)
    pen = Pen(image, ink, rng)
    margin = rng.randrange(40, 70)
    y = margin + _header(pen, text.header, width, margin)
    y = {"inline": _inline, "table": _table, "boxes": _boxes}[layout](pen, text.fields, width, margin, y)
    if rng.random() < 0.6:
        y = _barcode(pen, margin, y + 20, rng)
    small = pen.font(pen.label_family, rng.randrange(15, 19))
    for line in text.small_print:
        pen.text((margin, y + 16), line, small)
        y += 26
    return image.crop((0, 0, width, y + margin + 20))


def _header(pen: Pen, lines: tuple[str, ...], width: int, margin: int) -> int:
    y = 0
    for i, line in enumerate(lines):
        size = pen.rng.randrange(30, 40) if i < len(lines) - 1 else pen.rng.randrange(28, 34)
        font = pen.font(pen.label_family, size, bold=True)
        while pen.draw.textlength(line, font=font) > width - 2 * margin:
            size -= 2
            font = pen.font(pen.label_family, size, bold=True)
        x = (width - pen.draw.textlength(line, font=font)) / 2
        pen.text((x, margin + y), line, font)
        y += int(size * 1.35)
    pen.draw.line((margin, margin + y + 6, width - margin, margin + y + 6), fill=pen.ink, width=3)
    return y + 26


def _inline(pen: Pen, fields, width: int, margin: int, y: int) -> int:
    label_font = pen.font(pen.label_family, pen.rng.randrange(22, 28), bold=pen.rng.random() < 0.5)
    value_font = pen.font(pen.value_family, pen.rng.randrange(26, 34))
    colon = pen.rng.choice((": ", " ", ":  ")).rstrip()
    gap = pen.rng.randrange(50, 90)

    def length(label: str, value: str) -> float:
        return (pen.draw.textlength(label + colon, font=label_font) + 14
                + pen.draw.textlength(value, font=value_font))

    for row in _rows(fields, pen.rng):
        if sum(length(*field) + gap for field in row) > width - 2 * margin:
            row_parts = [[field] for field in row]  # a pair too wide for the paper is split
        else:
            row_parts = [row]
        for part in row_parts:
            x = margin
            for label, value in part:
                x += pen.text((x, y + 4), label + colon, label_font) + 14
                font = _fitting(pen, value, pen.value_family, value_font.size, width - margin - x)
                x += pen.text((x, y), value, font) + gap
            y += pen.rng.randrange(48, 60)
    return y


def _fitting(pen: Pen, text: str, family, size: int, room: float, bold: bool = False):
    """The font at `size`, or smaller until `text` fits in `room` pixels."""
    font = pen.font(family, size, bold)
    while size > 14 and pen.draw.textlength(text, font=font) > room:
        size -= 2
        font = pen.font(family, size, bold)
    return font


def _table(pen: Pen, fields, width: int, margin: int, y: int) -> int:
    label_font = pen.font(pen.label_family, pen.rng.randrange(20, 26))
    value_size, value_bold = pen.rng.randrange(26, 34), pen.rng.random() < 0.3
    column = margin + max(int(pen.draw.textlength(label, font=label_font)) for label, _ in fields) + 30
    for label, value in fields:
        pen.text((margin, y + 4), label, label_font)
        pen.text((column, y), value, _fitting(pen, value, pen.value_family, value_size,
                                              width - margin - column, value_bold))
        pen.draw.line((margin, y + 44, width - margin, y + 44), fill=(170, 170, 170), width=1)
        y += pen.rng.randrange(52, 62)
    return y


def _boxes(pen: Pen, fields, width: int, margin: int, y: int) -> int:
    label_font = pen.font(pen.label_family, pen.rng.randrange(16, 21))
    size = pen.rng.randrange(28, 36)
    for row in _rows(fields, pen.rng):
        box_width = (width - 2 * margin) // len(row)
        for i, (label, value) in enumerate(row):
            x = margin + i * box_width
            pen.draw.rectangle((x, y, x + box_width, y + size + 44), outline=pen.ink, width=2)
            pen.text((x + 8, y + 5), label, label_font)
            pen.text((x + 14, y + 30), value, _fitting(pen, value, pen.value_family, size,
                                                       box_width - 24))
        y += size + 44
    return y + 10


def _rows(fields, rng: Random):
    """Short related fields (date and time, plate and state, ...) share a row, mostly."""
    by_label = list(fields)
    rows, i = [], 0
    while i < len(by_label):
        if i + 1 < len(by_label) and _pairable(by_label[i], by_label[i + 1]) and rng.random() < 0.8:
            rows.append(by_label[i:i + 2])
            i += 2
        else:
            rows.append(by_label[i:i + 1])
            i += 1
    return rows


def _pairable(first, second) -> bool:
    return len(first[1]) <= 14 and len(second[1]) <= 14


def _barcode(pen: Pen, x: int, y: int, rng: Random) -> int:
    for _ in range(rng.randrange(40, 70)):
        bar = rng.choice((2, 3, 5))
        pen.draw.rectangle((x, y, x + bar, y + 50), fill=pen.ink)
        x += bar + rng.choice((2, 3, 4, 6))
    return y + 60
