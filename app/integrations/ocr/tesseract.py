"""The Tesseract engine: photo bytes to a TicketReading, inside one worker process.

tesserocr (libtesseract in-process) rather than pytesseract (one `tesseract` process per
photo): the English model is loaded once per worker instead of once per photo, the
picture is handed over without a temporary file, and a worker killed at its time budget
takes the recognition with it instead of leaving an orphan `tesseract` running.
The language data comes from Debian's tesseract-ocr-eng.
"""
from __future__ import annotations

import os
import time
from dataclasses import replace
from glob import glob
from typing import Sequence

import tesserocr
from PIL import Image

from app.integrations.ocr.base import KnownCity, OcrFailed, TicketReading
from app.integrations.ocr.fields import read_fields, surer
from app.integrations.ocr.layout import Word
from app.integrations.ocr.prepare import decode, ink_only, prepare

MAX_PIXELS = 50_000_000  # a 48-megapixel phone photo still passes
KEY_FIELDS = ("citation_number", "issue_date", "plate")
TESSDATA_GLOBS = ("/usr/share/tesseract-ocr/*/tessdata", "/usr/share/tessdata",
                  "/usr/local/share/tessdata")


def tessdata_path() -> str:
    candidates = [os.environ["TESSDATA_PREFIX"]] if os.environ.get("TESSDATA_PREFIX") else []
    candidates += sorted((p for pattern in TESSDATA_GLOBS for p in glob(pattern)), reverse=True)
    for path in candidates:
        if os.path.exists(os.path.join(path, "eng.traineddata")):
            return path
    raise OcrFailed("Ticket reading is not available: Tesseract's English data is not installed.")


class TesseractEngine:
    def __init__(self, max_pixels: int = MAX_PIXELS, fill_at: float | None = None,
                 tessdata: str | None = None):
        self.max_pixels, self.fill_at, self._tessdata = max_pixels, fill_at, tessdata
        self._api: tesserocr.PyTessBaseAPI | None = None

    def read(self, photo: bytes, cities: Sequence[KnownCity]) -> TicketReading:
        """One look at the prepared photo; a second, at its ink only, when a field the
        driver needs most is missing. Each field is then taken from the surer look."""
        started = time.perf_counter()
        image = prepare(decode(photo, self.max_pixels))
        reading = read_fields(self.words(image), cities, self.fill_at)
        if any(getattr(reading, name).value is None for name in KEY_FIELDS):
            second = read_fields(self.words(ink_only(image)), cities, self.fill_at)
            reading = surer(reading, second)
        return replace(reading, seconds=round(time.perf_counter() - started, 3))

    def words(self, image: Image.Image) -> list[Word]:
        api = self._ready()
        api.SetImage(image)
        if not api.Recognize():
            raise OcrFailed("The ticket could not be read.")
        words, line = [], 0
        level = tesserocr.RIL.WORD
        for item in tesserocr.iterate_level(api.GetIterator(), level):
            line += item.IsAtBeginningOf(tesserocr.RIL.TEXTLINE)
            try:
                text = item.GetUTF8Text(level)
            except RuntimeError:  # tesserocr's way of saying this element holds no text
                continue
            box = item.BoundingBox(level)
            if text and text.strip() and box:
                words.append(Word(text.strip(), item.Confidence(level) / 100, *box, line=line))
        api.Clear()
        return words

    def load(self) -> None:
        self._ready()

    def _ready(self) -> tesserocr.PyTessBaseAPI:
        if self._api is None:
            self._api = tesserocr.PyTessBaseAPI(path=self._tessdata or tessdata_path(), lang="eng",
                                                psm=tesserocr.PSM.AUTO)
            # The photo's DPI means nothing; say so rather than let Tesseract guess and warn.
            self._api.SetVariable("user_defined_dpi", "300")
        return self._api

    def close(self) -> None:
        if self._api is not None:
            self._api.End()
            self._api = None
