"""Fulfilment: what turns a paid appeal into a letter the city receives on time (§17).

`letter_pdf` prints the letter and its exhibits, `deadlines` decides which mail classes can
still arrive (or be postmarked) by the city's last day. Nothing here runs at import.
"""
