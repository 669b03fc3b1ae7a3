"""Only the frame a stored letter carries is left out of the printed body, nothing else."""
from __future__ import annotations

import io

from pypdf import PdfReader

from app.fulfilment.letter_body import split_letter
from app.fulfilment.letter_pdf import build_letter_pdf
from tests.fulfilment.sample_letters import sample_letter

TEMPLATE_LETTER = """November 3, 2026

SFMTA Customer Service Center
Attn: Citation Review
11 South Van Ness Avenue
San Francisco, CA 94103

Re: Protest of citation 912345678

Dear Sir or Madam:

I am writing to protest citation 912345678, issued on November 2, 2026, and to ask that it be reviewed.

The meter was broken.

I ask that the citation be reviewed in light of the facts above. Thank you for your time and consideration.

Sincerely,

Jane Q. Driver
10 Main Street, Apt 2
Oakland, CA 94607"""


def test_the_template_frame_is_left_out_and_the_pdf_is_dated_the_mailing_day():
    body, closing = split_letter(TEMPLATE_LETTER)
    assert body.startswith("Re: Protest of citation 912345678\n\nDear Sir or Madam:")
    assert body.endswith("Thank you for your time and consideration.")
    assert closing == "Sincerely,"
    text = PdfReader(io.BytesIO(build_letter_pdf(sample_letter(
        letter_text=body, closing=closing, exhibits=())))).pages[0].extract_text()
    assert "November 30, 2026" in text and "November 3, 2026" not in text
    assert text.count("Sincerely,") == 1 and text.count("Oakland, CA 94607") == 1
    assert text.count("11 South Van Ness Avenue") == 1


def test_a_closing_and_salutation_written_by_the_ai_are_found_whatever_their_case():
    letter = ("Jane Driver\n10 Main St\n\nDear Hearing Officer,\n\nThe sign was hidden.\n\n"
              "Respectfully submitted,\nJane Driver\n10 Main St\nOakland, CA 94607\n")
    assert split_letter(letter) == ("Dear Hearing Officer,\n\nThe sign was hidden.",
                                    "Respectfully submitted,")


def test_a_letter_without_a_clear_frame_is_printed_whole():
    driver_wrote = "The meter was broken.\n\nThank you for your time.\nJane"
    assert split_letter(driver_wrote) == (driver_wrote, "Sincerely,")
    # a closing word followed by more than a name and an address is part of the story
    story = "Dear Sir:\n\nSincerely,\n" + "\n".join(f"line {n}" for n in range(12))
    assert split_letter(story) == (story, "Sincerely,")
