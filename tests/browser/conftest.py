"""A real browser (Playwright driving Debian's Chromium) against the app on a real server.

Skipped only when /usr/bin/chromium is missing outside CI; under CI (CI set) a missing
browser fails the run, since the driver's journey must be proven in a browser there.
"""
from __future__ import annotations

import json
import os
import threading
import weakref
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.browser import axe
from tests.browser.hanging_ai import HangingAI

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing under CI: install Debian's chromium package")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); CI runs this test")
    return str(CHROMIUM)


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS,
                                              headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def phone(browser):
    """A fresh phone-sized page (cookies not shared between tests)."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="en-US")
    context.set_default_timeout(20_000)
    page = context.new_page()
    yield page
    context.close()


class LiveServer:
    """The app served by werkzeug in a thread, on a free loopback port."""

    def __init__(self, app):
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        # Links that leave a page (Stripe's return, emails) lead to PUBLIC_BASE_URL, and this
        # server's address is known only now that it listens.
        settings = app.extensions["settings"]
        app.extensions["settings"] = settings.with_overrides(public_base_url=self.url)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> "LiveServer":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)


@pytest.fixture
def serve():
    """serve(app) -> LiveServer; stopped at the end of the test."""
    servers = []

    def start(app) -> LiveServer:
        server = LiveServer(app).__enter__()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.__exit__(None, None, None)


@pytest.fixture(scope="session")
def axe_ready() -> None:
    reason = axe.missing_reason()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture
def audit(axe_ready, artifacts_dir, request):
    """audit(page, name): axe-core on the page as it is; fails on any serious or critical
    violation, listing them. Every violation found, of any impact, is also appended to
    test-artifacts/browser/axe.jsonl, one line per page."""
    served = weakref.WeakSet()
    log = artifacts_dir / "browser" / "axe.jsonl"
    log.parent.mkdir(parents=True, exist_ok=True)

    def check(page, name: str) -> list[dict]:
        if page.context not in served:
            axe.serve_axe(page.context)
            served.add(page.context)
        violations = axe.run_axe(page)
        with log.open("a") as out:
            out.write(json.dumps({"test": request.node.name, "page": name, "url": page.url,
                                  "violations": [{"id": v["id"], "impact": v["impact"],
                                                  "nodes": len(v["nodes"])} for v in violations]})
                      + "\n")
        found = axe.blocking(violations)
        assert not found, axe.describe(name, found)
        return violations

    return check


@pytest.fixture
def shots(artifacts_dir, audit):
    """shots(walk) -> shot(page, step), saving browser/[<walk>/]<NN>-<step>.png in order and
    auditing each page photographed with axe-core (see audit)."""

    def for_walk(walk: str | None = None):
        folder = artifacts_dir / "browser" / (walk or "")
        folder.mkdir(parents=True, exist_ok=True)
        counter = {"n": 0}

        def shot(page, step: str) -> Path:
            counter["n"] += 1
            path = folder / f"{counter['n']:02d}-{step}.png"
            page.screenshot(path=str(path), full_page=True)
            audit(page, f"{walk or 'journey'}/{step} ({page.url})")
            return path

        return shot

    return for_walk


@pytest.fixture
def hanging_ai():
    """An OpenAI-compatible base URL whose server accepts requests and never answers."""
    server = HangingAI().start()
    yield server
    server.stop()
