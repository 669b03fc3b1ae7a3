"""The sign step takes the return address in the parts a mail provider needs."""
import re

import pytest

from tests.appeals.conftest import ADDRESS, load, start_appeal, tell_story, token_for, write_letter


def _ready_to_sign(client) -> str:
    public_id = start_appeal(client)
    tell_story(client, public_id)
    write_letter(client, public_id)
    return public_id


def _sign(client, public_id, **fields):
    url = f"/appeals/{public_id}/sign"
    data = {"csrf_token": token_for(client, url), **ADDRESS, "signature_name": "Dana Driver",
            **fields}
    return client.post(url, data=data)


@pytest.mark.both_databases
def test_the_address_is_stored_in_parts_and_as_text(web, open_app):
    public_id = _ready_to_sign(web)
    page = web.get(f"/appeals/{public_id}/sign").get_data(as_text=True)
    for name, autocomplete in (("return_line1", "address-line1"), ("return_line2", "address-line2"),
                               ("return_city", "address-level2"), ("return_state", "address-level1"),
                               ("return_zip", "postal-code")):
        assert f'<label for="{name}">' in page
        assert re.search(rf'<input[^>]*autocomplete="{autocomplete}"[^>]*id="{name}"|'
                         rf'<input[^>]*id="{name}"[^>]*autocomplete="{autocomplete}"', page), name

    response = _sign(web, public_id, return_line1="  500 Castro St ", return_line2="Apt 4",
                     return_city="San Francisco", return_state="ca", return_zip="941141234")
    assert response.status_code == 303 and response.headers["Location"].endswith("/checkout")
    appeal = load(open_app, public_id)
    assert (appeal.return_line1, appeal.return_line2, appeal.return_city, appeal.return_state,
            appeal.return_zip) == ("500 Castro St", "Apt 4", "San Francisco", "CA", "94114-1234")
    assert appeal.return_address == "500 Castro St\nApt 4\nSan Francisco, CA 94114-1234"
    again = web.get(f"/appeals/{public_id}/sign").get_data(as_text=True)
    assert 'value="500 Castro St"' in again and 'value="94114-1234"' in again


def test_story_no_longer_asks_for_the_address(web):
    public_id = start_appeal(web)
    html = web.get(f"/appeals/{public_id}/story").get_data(as_text=True)
    assert 'id="return_address"' not in html and 'id="return_line1"' not in html


@pytest.mark.parametrize("fields, field, message", [
    ({"return_line1": ""}, "return_line1", "Please enter your street address."),
    ({"return_line1": "x" * 65}, "return_line1", "64 characters"),
    ({"return_city": ""}, "return_city", "Please enter your city."),
    ({"return_state": "California"}, "return_state", "two-letter state code"),
    ({"return_state": "XX"}, "return_state", "two-letter state code"),
    ({"return_zip": "9410"}, "return_zip", "5-digit ZIP code"),
    ({"return_zip": "94105-12"}, "return_zip", "5-digit ZIP code"),
    ({"return_zip": "ABCDE"}, "return_zip", "5-digit ZIP code"),
])
def test_a_bad_address_part_is_a_422_next_to_its_field_and_nothing_is_saved(
        web, open_app, fields, field, message):
    public_id = _ready_to_sign(web)
    response = _sign(web, public_id, **fields)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(rf'id="{field}-error" role="alert">[^<]*{re.escape(message)}', html)
    assert 'class="error-summary" tabindex="-1" autofocus' in html  # the errors take the focus
    assert f'href="#{field}"' in html
    appeal = load(open_app, public_id)
    assert appeal.return_line1 is None and appeal.signature_name is None


def test_a_missing_signature_keeps_nothing_of_the_address(web, open_app):
    public_id = _ready_to_sign(web)
    response = _sign(web, public_id, signature_name="", signature_data="")
    assert response.status_code == 422
    assert 'value="1 Market St"' in response.get_data(as_text=True)  # what was typed stays
    assert load(open_app, public_id).return_line1 is None
