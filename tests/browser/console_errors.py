"""What the browser reports while a walk goes on: script errors, CSP refusals, failed requests."""
from __future__ import annotations


def watch_console(page) -> list[str]:
    """Script errors and CSP violations (e.g. an inline script) fail the walk, and so does any
    failed request other than the browser's own favicon probe and an expected 503 page."""
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource") else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("response", lambda response: errors.append(f"{response.status} {response.url}")
            if response.status >= 400 and response.status != 503
            and not response.url.endswith("/favicon.ico") else None)
    return errors
