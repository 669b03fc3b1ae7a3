"""The letters ledger's outcomes: mailed, or handed to the operators' print queue.

Both move the letter and its appeal together and leave the commit to the caller, so the
mailing job (after the provider's answer) and the print-queue page (an operator recording
the day it was posted) record the same facts the same way. Each outcome applies once: a
letter already mailed is not recorded again, so the driver's email is not queued twice.
"""
from __future__ import annotations

from datetime import date

from app.extensions import db
from app.fulfilment import notices
from app.models import Appeal, AppealStatus, Letter, LetterStatus

OPEN = (LetterStatus.QUEUED, LetterStatus.MAILING, LetterStatus.PRINT_QUEUE)


def record_mailed(letter: Letter, *, mailed_on: date, provider_letter_id: str | None = None,
                  tracking_number: str | None = None,
                  expected_delivery_date: date | None = None) -> bool:
    """The letter is posted: letter and appeal to `mailed`, the driver's email queued.

    False (nothing changed) when the letter is already mailed or was cancelled.
    """
    if letter.status not in OPEN:
        return False
    letter.status = LetterStatus.MAILED
    letter.mailed_on = mailed_on
    letter.provider_letter_id = provider_letter_id or letter.provider_letter_id
    letter.tracking_number = tracking_number or letter.tracking_number
    letter.expected_delivery_date = expected_delivery_date or letter.expected_delivery_date
    letter.last_error = None
    appeal = db.session.get(Appeal, letter.appeal_id)
    if appeal.can_move_to(AppealStatus.MAILED):
        appeal.move_to(AppealStatus.MAILED)
    notices.notify_mailed(letter)
    return True


def record_print_queue(letter: Letter, reason: str) -> bool:
    """A person must print and post it: letter and appeal to the print queue, with the reason."""
    if letter.status not in (LetterStatus.QUEUED, LetterStatus.MAILING):
        return False
    letter.status = LetterStatus.PRINT_QUEUE
    letter.print_reason = reason[:2000]
    appeal = db.session.get(Appeal, letter.appeal_id)
    if appeal.can_move_to(AppealStatus.PRINT_QUEUE):
        appeal.move_to(AppealStatus.PRINT_QUEUE)
    return True
