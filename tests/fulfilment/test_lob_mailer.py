"""The Lob mailer against the local Lob API (testkit/fakes/lob_api.py), failing for real."""
from __future__ import annotations

import email.utils
import functools
import threading
import time
from datetime import date, datetime, timedelta, timezone

import httpx
import pybreaker
import pytest

from app.fulfilment.letter_pdf import build_letter_pdf
from app.integrations.mail.base import (MailConfigError, MailRejected, MailRequest,
                                        MailTransientError, PostalAddress, idempotency_key)
from app.integrations.mail.lob import LobMailer
from app.integrations.mail.lob_retry import retry_after
from app.integrations.mail.manual import ManualMailer
from testkit.mailing import RateLimitedLob
from tests.fulfilment.sample_letters import sample_letter

KEY = "test_lob_key"
CITY = PostalAddress(name="Citation Review", company="SFMTA Customer Service Center",
                     line1="11 South Van Ness Avenue", city="San Francisco", state="CA",
                     zip="94103")
DRIVER = PostalAddress(name="Jane Q. Driver", line1="10 Main Street", line2="Apt 2",
                       city="Oakland", state="CA", zip="94607")


@functools.lru_cache(maxsize=1)
def letter_pdf() -> bytes:
    return build_letter_pdf(sample_letter(exhibits=()))


def request(mail_class="standard", *, to=CITY, appeal="A1b2C3", version=2, **changes) -> MailRequest:
    return MailRequest(appeal_public_id=appeal, letter_version=version, mail_class=mail_class,
                       to=to, sender=DRIVER, pdf=letter_pdf(), **changes)


@pytest.fixture
def lob():
    server = RateLimitedLob(api_key=KEY).start()
    yield server
    server.stop()


@pytest.fixture
def breaker():
    return pybreaker.CircuitBreaker(fail_max=3, reset_timeout=60, name="mail")


@pytest.fixture
def mailer(lob, breaker):
    made = LobMailer(KEY, breaker=breaker, base_url=lob.api_base,
                     timeout=httpx.Timeout(connect=1.0, read=1.0, write=2.0, pool=1.0))
    yield made
    made.close()


def posts(lob) -> list:
    return [r for r in lob.requests if r.method == "POST"]


def test_standard_mail_is_first_class_with_our_pdf_and_the_idempotency_key(lob, mailer):
    receipt = mailer.mail(request())
    (made,) = lob.letters_created
    assert receipt.letter_id == made["id"] and receipt.letter_id.startswith("ltr_")
    assert (receipt.provider, receipt.status, receipt.tracking_number) == ("lob", "submitted", None)
    assert isinstance(receipt.expected_delivery_date, date)
    assert isinstance(receipt.send_date, datetime) and receipt.send_date.tzinfo is not None
    params = made["params"]
    assert (params["mail_type"], params["use_type"], params["color"], params["address_placement"]) \
        == ("usps_first_class", "operational", False, "insert_blank_page")
    assert params.get("extra_service") is None
    assert params["metadata"] == {"appeal_id": "A1b2C3", "letter_version": "2"}
    assert params["to"]["company"] == "SFMTA Customer Service Center"
    assert params["from"]["address_line2"] == "Apt 2"
    assert made["pdf"] == letter_pdf()
    assert made["idempotency_key"] == receipt.idempotency_key == idempotency_key("A1b2C3", 2)


@pytest.mark.parametrize("return_receipt, service", [(False, "certified"),
                                                     (True, "certified_return_receipt")])
def test_certified_mail_carries_the_extra_service_and_a_tracking_number(lob, mailer, return_receipt,
                                                                        service):
    receipt = mailer.mail(request("certified", return_receipt=return_receipt))
    params = lob.letters_created[0]["params"]
    assert (params["mail_type"], params["extra_service"]) == ("usps_first_class", service)
    assert receipt.tracking_number and receipt.tracking_number == lob.letters[receipt.letter_id][
        "tracking_number"]


def test_server_errors_then_success_make_one_letter(lob, mailer):
    lob.fail_next(2)
    receipt = mailer.mail(request())
    assert lob.letter_count() == 1 and receipt.letter_id == lob.letters_created[0]["id"]
    assert [r.headers["idempotency-key"] for r in posts(lob)] == [receipt.idempotency_key] * 3


def test_a_429_is_retried_after_its_retry_after(lob, mailer):
    lob.limited = 1
    started = time.monotonic()
    receipt = mailer.mail(request())
    assert time.monotonic() - started >= 0.95  # Retry-After: 1, not the policy's 100 ms
    assert len(posts(lob)) == 2 and lob.letter_count() == 1 and receipt.letter_id


def test_retry_after_is_read_as_seconds_or_as_an_http_date():
    in_a_minute = email.utils.format_datetime(datetime.now(timezone.utc) + timedelta(seconds=60),
                                              usegmt=True)
    assert retry_after("2") == 2.0 and retry_after("-5") == 0.0
    assert 55 < retry_after(in_a_minute) <= 60
    assert retry_after("soon") is None and retry_after(None) is None


def test_a_hung_request_times_out_and_the_retry_with_the_same_key_gets_the_one_letter(lob, mailer):
    lob.mode = "hang"

    def recover_when_retried():  # Lob comes back as the retry arrives: both requests run
        lob.wait_for_requests(2, timeout=10)
        lob.mode = "ok"

    helper = threading.Thread(target=recover_when_retried)
    helper.start()
    try:
        receipt = mailer.mail(request())
    finally:
        helper.join(10)
    lob.stop()  # waits for the first, late request to be carried out too
    assert lob.letter_count() == 1 and receipt.letter_id == lob.letters_created[0]["id"]
    assert [r.headers["idempotency-key"] for r in posts(lob)] == [receipt.idempotency_key] * 2


def test_an_answer_lost_after_the_letter_was_made_is_recovered_by_the_retry(lob, mailer):
    lob.drop_after_create(1)
    receipt = mailer.mail(request())
    assert len(posts(lob)) == 2 and lob.letter_count() == 1
    assert receipt.letter_id == lob.letters_created[0]["id"]


@pytest.mark.parametrize("to, code", [
    (PostalAddress(name="Clerk", line1="1 Undeliverable Way", city="San Francisco", state="CA",
                   zip="94103"), "failed_deliverability_strictness"),
    (PostalAddress(name="Clerk", line1="1" * 40, line2="Suite " + "9" * 10, city="San Francisco",
                   state="CA", zip="94103"), "address_length_exceeds_limit"),
])
def test_a_refused_address_is_rejected_with_the_reason_and_not_retried(lob, mailer, breaker, to,
                                                                       code):
    with pytest.raises(MailRejected) as refused:
        mailer.mail(request(to=to))
    assert (refused.value.code, refused.value.status) == (code, 422)
    assert code in str(refused.value)
    assert len(posts(lob)) == 1 and lob.letter_count() == 0
    assert breaker.fail_counter == 0  # Lob answered: not an outage


def test_a_wrong_key_or_base_url_is_a_configuration_error(lob, breaker):
    for key, base in (("test_wrong_key", lob.api_base), (KEY, lob.url + "/v2")):
        mailer = LobMailer(key, breaker=breaker, base_url=base, timeout=httpx.Timeout(2.0))
        try:
            with pytest.raises(MailConfigError, match=r"\((401|404)\)"):
                mailer.mail(request())
        finally:
            mailer.close()
    assert len(posts(lob)) == 2 and lob.letter_count() == 0 and breaker.fail_counter == 0


def test_a_stopped_lob_is_a_transient_error_counted_by_the_breaker(lob, mailer, breaker):
    lob.stop()
    started = time.monotonic()
    with pytest.raises(MailTransientError) as failed:
        mailer.mail(request())
    assert not failed.value.circuit_open and breaker.fail_counter == 1
    assert time.monotonic() - started < 5  # four refused connections and the backoff between


def test_the_breaker_opens_after_fail_max_and_then_refuses_without_calling(lob, mailer, breaker):
    lob.mode = "error"
    for _ in range(breaker.fail_max):
        with pytest.raises(MailTransientError) as failed:
            mailer.mail(request())
        assert not failed.value.circuit_open
    assert breaker.current_state == pybreaker.STATE_OPEN
    assert len(posts(lob)) == breaker.fail_max * 4  # each call: one try and three retries
    lob.mode = "ok"
    with pytest.raises(MailTransientError) as refused:
        mailer.mail(request())
    assert refused.value.circuit_open and len(posts(lob)) == breaker.fail_max * 4


def test_retrieve_and_cancel_until_it_is_too_late(lob, mailer):
    receipt = mailer.mail(request())
    assert mailer.retrieve(receipt.letter_id)["id"] == receipt.letter_id
    assert mailer.cancel(receipt.letter_id) is True
    assert mailer.retrieve(receipt.letter_id)["deleted"] is True
    with pytest.raises(MailRejected) as late:
        mailer.cancel(receipt.letter_id)
    assert late.value.code == "not_deletable"
    with pytest.raises(MailRejected) as missing:
        mailer.retrieve("ltr_0000000000000000")
    assert (missing.value.status, missing.value.code) == (404, "not_found")
    with pytest.raises(ValueError):
        mailer.retrieve("../addresses")


def test_the_print_queue_mailer_only_queues():
    receipt = ManualMailer().mail(request())
    assert (receipt.provider, receipt.status, receipt.letter_id) == ("manual", "queued_for_print", None)
    assert receipt.idempotency_key == idempotency_key("A1b2C3", 2)


def test_the_idempotency_key_is_stable_per_appeal_and_letter_version():
    assert idempotency_key("A1b2C3", 2) == idempotency_key("A1b2C3", 2) == "fct-letter-A1b2C3-v2"
    assert idempotency_key("A1b2C3", 3) != idempotency_key("A1b2C3", 2)
    for appeal, version in (("", 1), ("A1", 0), ("A1", "2")):
        with pytest.raises(ValueError):
            idempotency_key(appeal, version)
