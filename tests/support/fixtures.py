"""Plain pytest fixtures for the local service fakes, one fresh server per test.

Import the ones you need into a conftest.py (`from tests.support.fixtures import
fake_stripe  # noqa: F401`). Each fixture stops its server at the end of the test, even
when the test stopped it already, so no thread, port or process outlives a test.
"""
from __future__ import annotations

import pytest

from testkit.fakes.openai_server import OpenAIServer
from testkit.fakes.sentry_sink import SentrySink
from testkit.fakes.stripe_api import StripeAPIServer


@pytest.fixture
def fake_stripe():
    server = StripeAPIServer().start()
    yield server
    server.stop()


@pytest.fixture
def fake_openai():
    server = OpenAIServer().start()
    yield server
    server.stop()


@pytest.fixture
def sentry_sink():
    server = SentrySink().start()
    yield server
    server.stop()
