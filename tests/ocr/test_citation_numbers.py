"""A citation number read with a lookalike (O for 0, S for 5, ...) is corrected only when
exactly one spelling fits the city's patterns."""
from __future__ import annotations

import re

from app.integrations.ocr.citation import correct

SF = (re.compile(r"9[0-9]{8}"), re.compile(r"(?:SFMTA|MT)[0-9]{8}"))
PORTLAND = (re.compile(r"HA[0-9]{6,8}"),)


def test_a_number_that_fits_is_kept():
    assert correct("912345678", SF) == ("912345678", False)
    assert correct("MT12345678", SF) == ("MT12345678", False)


def test_lookalikes_corrected_when_one_spelling_fits():
    assert correct("9O1234S67", SF) == ("901234567", True)
    assert correct("9I2B45678", SF) == ("912845678", True)
    assert correct("HA1Z3456", PORTLAND) == ("HA123456", True)
    assert correct("MTI2345678", SF) == ("MT12345678", True)  # M and T have no lookalikes


def test_no_correction_when_two_spellings_fit():
    patterns = (re.compile(r"1[0-9]3O"), re.compile(r"1Z30"))
    assert correct("1Z3O", patterns) is None  # 123O and 1Z30 both fit: a guess either way


def test_no_correction_when_nothing_fits():
    assert correct("8O1234567", SF) is None  # 8 -> B gives no 9 either
    assert correct("9123", SF) is None
