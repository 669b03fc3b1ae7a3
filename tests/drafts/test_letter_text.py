"""Letters are plain text without profanity, whatever the model sends back (§6)."""
from app.drafting.letter_text import clean_letter, contains_profanity, strip_markdown

MARKDOWN_LETTER = """```text
# Appeal of Citation 912345678

**Date:** March 5, 2025

## Body
Dear *Hearing Officer*,

- The meter was __broken__.
* I paid at the kiosk.
1. I have a [receipt](https://example.com/r).

> Thank you for your time.

---
Sincerely,
`Jane Driver`
```"""


def test_markdown_is_stripped_to_plain_text():
    text = clean_letter(MARKDOWN_LETTER)
    for mark in ("```", "#", "**", "__", "](", "> ", "---", "`"):
        assert mark not in text, mark
    assert "Appeal of Citation 912345678" in text
    assert "Date: March 5, 2025" in text
    assert "Dear Hearing Officer," in text
    assert "The meter was broken." in text
    assert "I paid at the kiosk." in text
    assert "1. I have a receipt." in text
    assert "Thank you for your time." in text
    assert text.rstrip().endswith("Jane Driver")


def test_ordinary_punctuation_and_names_survive():
    plain = ("Re: Appeal of parking citation MT12345678\n\nI parked at 5_th street * near the "
             "corner; my plate is 7ABC123. Dick Smith, Hell's Kitchen, Scunthorpe.\n")
    assert strip_markdown(plain) == plain
    assert clean_letter(plain) == plain


def test_profanity_is_removed_not_masked():
    text = clean_letter("The damn meter was broken and the officer was a jerk. This is bullshit!")
    assert not contains_profanity(text)
    assert "*" not in text
    assert "The meter was broken" in text
    assert "This is!" in text  # the word goes, the sentence stays readable enough to edit


def test_profanity_variants_are_caught():
    for word in ("FUCKING", "Shitty", "pissed off", "goddamned", "assholes"):
        assert contains_profanity(f"it was {word} unfair"), word
    for word in ("class", "assess", "passenger", "Cockburn Street", "shell", "scrap"):
        assert not contains_profanity(word), word
