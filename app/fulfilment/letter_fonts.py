"""The letter's typeface, and the driver's text reduced to what it can print.

DejaVu Sans (Debian's fonts-dejavu-core) is embedded: it covers Latin, Greek, Cyrillic,
Hebrew, Arabic and the usual punctuation, so names and accents print as typed. Without it
the letter falls back to the PDF core font Helvetica (Windows-1252 only). Either way the
text is filtered first: control and formatting characters (including bidi overrides that
could reorder what the city reads) are dropped, emoji and other symbols the font cannot
draw are left out, and any other unprintable character becomes a visible replacement mark.
"""
from __future__ import annotations

import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from reportlab import rl_config
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu",
             "/usr/share/fonts/TTF", "/usr/local/share/fonts")
REGULAR_FILE, BOLD_FILE = "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"
DROPPED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn"}  # controls, format, surrogates, private, unassigned


@dataclass(frozen=True)
class LetterFonts:
    regular: str  # ReportLab font names
    bold: str
    can_print: Callable[[str], bool]
    replacement: str  # what an unprintable letter becomes


_lock = threading.Lock()
_registered: dict[tuple[str, ...], LetterFonts] = {}


def letter_fonts(search_dirs: Iterable[str] = FONT_DIRS) -> LetterFonts:
    """The embedded DejaVu fonts, registered with ReportLab once per process; else Helvetica."""
    dirs = tuple(search_dirs)
    with _lock:  # registering parses the font files (~150 ms): once, not once per letter
        # ReportLab wraps every stream in ASCII85 by default: 25% larger, and its pure-Python
        # encoder took longer than the rest of a letter with four photos. Only letters use
        # ReportLab in this app, so the process-wide switch is set here, before the first one.
        rl_config.useA85 = 0
        if dirs not in _registered:
            _registered[dirs] = _load(dirs)
        return _registered[dirs]


def _load(dirs: tuple[str, ...]) -> LetterFonts:
    for folder in dirs:
        regular, bold = Path(folder, REGULAR_FILE), Path(folder, BOLD_FILE)
        if regular.is_file() and bold.is_file():
            pdfmetrics.registerFont(TTFont("FCT-DejaVuSans", str(regular)))
            pdfmetrics.registerFont(TTFont("FCT-DejaVuSans-Bold", str(bold)))
            pdfmetrics.registerFontFamily("FCT-DejaVuSans", normal="FCT-DejaVuSans",
                                          bold="FCT-DejaVuSans-Bold")
            glyphs = frozenset(pdfmetrics.getFont("FCT-DejaVuSans").face.charToGlyph) & frozenset(
                pdfmetrics.getFont("FCT-DejaVuSans-Bold").face.charToGlyph)
            replacement = "\ufffd" if ord("\ufffd") in glyphs else "?"
            return LetterFonts("FCT-DejaVuSans", "FCT-DejaVuSans-Bold",
                               lambda ch: ord(ch) in glyphs, replacement)
    return LetterFonts("Helvetica", "Helvetica-Bold", _in_cp1252, "?")


def _in_cp1252(ch: str) -> bool:
    try:
        ch.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def printable(text: str, fonts: LetterFonts) -> str:
    """`text` with only what `fonts` can draw; line breaks kept, nothing ever raised."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = unicodedata.normalize("NFC", text)
    out = []
    for ch in text:
        category = unicodedata.category(ch)
        if ch == "\n":
            out.append(ch)
        elif category in DROPPED_CATEGORIES:
            continue
        elif category in ("Zs", "Zl", "Zp"):
            out.append("\n" if category != "Zs" else " ")
        elif fonts.can_print(ch):
            out.append(ch)
        elif category[0] not in "SM":
            out.append(_simplified(ch, fonts) or fonts.replacement)
        # else: emoji, variation selectors, stray accents: nothing sensible to print
    return "".join(out)


def _simplified(ch: str, fonts: LetterFonts) -> str:
    """A compatibility form the font has ("ﬁ" → "fi", "ő" → "o" under Helvetica), or ""."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    return plain if plain and all(fonts.can_print(c) for c in plain) else ""
