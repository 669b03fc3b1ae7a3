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
