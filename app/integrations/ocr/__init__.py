"""Reading a parking ticket from a photo (spec §18): Tesseract behind a small interface.

  base.py       TicketReader, TicketReading (value + confidence per field), KnownCity, errors
  pool.py       OcrPool: the bounded process pool with a time budget per photo (the reader
                the web layer uses)
  tesseract.py  TesseractEngine: one photo, in one process
  prepare.py    bounded decoding and Pillow preparation (orientation, deskew, crop, contrast)
  layout.py     Tesseract's words regrouped into rows; label/value geometry
  labels.py     the labels printed on US tickets
  fields.py     each field from its label, checked, with its confidence
  citation.py   citation numbers against the cities' patterns; the city a ticket names
  values.py     dates, times, plates, states

The caller passes the cities (names and citation patterns) with each photo: nothing here
imports app/cities. Nothing starts at import; the pool's workers start on first use.
"""
from __future__ import annotations

from flask import Flask, current_app

from app.config import Settings
from app.integrations.ocr.base import (ImageRejected, KnownCity, OcrBusy, OcrError, OcrFailed,
                                       OcrTimeout, TicketReader, TicketReading)
from app.integrations.ocr.pool import OcrPool

__all__ = ["ImageRejected", "KnownCity", "OcrBusy", "OcrError", "OcrFailed", "OcrPool", "OcrTimeout",
           "TicketReader", "TicketReading", "init_app", "ticket_reader"]


def init_app(app: Flask, settings: Settings) -> None:
    """Bind this instance's reader: OCR_WORKERS processes, OCR_QUEUE_SIZE photos waiting,
    OCR_BUDGET_S seconds a photo. No process starts until the first photo."""
    app.extensions["ticket_reader"] = OcrPool(settings.ocr_workers, settings.ocr_queue_size,
                                              settings.ocr_budget_s)


def ticket_reader() -> OcrPool:
    """The running app's ticket reader (its bounded pool of Tesseract processes)."""
    return current_app.extensions["ticket_reader"]
