"""Letters and pictures to print in the fulfilment tests, and appeals taken through the driver's pages."""
from __future__ import annotations

import base64

from app.extensions import db
from app.models import Appeal
from testkit.pictures import (BODY, CAPTIONS, MAILING_DATE, MIXED, dark_photo,  # noqa: F401
                              encoded, exhibits, phone_photo, sample_letter, signature_png,
                              ticket_jpeg)
from tests.appeals.conftest import start_appeal, tell_story, token_for, write_letter
from tests.appeals.uploads import upload

# An appeal taken through the driver's pages, as far as a signed letter.
JOURNEY_LETTER = """Dear Sir or Madam:

I ask you to dismiss citation 912345678. The meter on Valencia Street was broken.

Sincerely,

Dana Driver"""


SIGN_ADDRESS = {"return_line1": "1 Market St", "return_line2": "", "return_city": "San Francisco",
                "return_state": "CA", "return_zip": "94105"}


def signed_appeal(client, app, *, photos: tuple[tuple[str, bytes], ...] = (),
                  ticket_photo: bytes | None = None, drawn: bool = True,
                  letter: str = JOURNEY_LETTER, city: str = "sf",
                  number: str = "912345678", address: dict | None = None) -> str:
    """The public id of an appeal with its photos, story, letter and signature.

    The ticket photo goes up last, through the same photo step, and is then recorded as the
    ticket (kind "ticket") the way the ticket-reading step records it: it must still print
    as Exhibit 1.
    """
    public_id = start_appeal(client, city=city, number=number)
    uploads = tuple(photos) + ((("ticket.jpg", ticket_photo),) if ticket_photo else ())
    for name, data in uploads:  # one at a time, so the ids follow this order
        response = upload(client, public_id, (name, data))
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
    if ticket_photo:
        with app.app_context():
            appeal = db.session.execute(db.select(Appeal).filter_by(public_id=public_id)).scalar_one()
            appeal.photos[-1].kind = "ticket"
            db.session.commit()
    tell_story(client, public_id)
    write_letter(client, public_id, letter)
    url = f"/appeals/{public_id}/sign"
    fields = ({"signature_data": "data:image/png;base64," + base64.b64encode(signature_png()).decode(),
               "signature_name": ""} if drawn else {"signature_name": "Dana Q. Driver"})
    response = client.post(url, data={"csrf_token": token_for(client, url), **fields,
                                      **(address or SIGN_ADDRESS)})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return public_id
