"""axe-core, the accessibility engine, run inside a page the browser has loaded.

axe-core comes from npm (tests/browser/package.json, installed by scripts/test with `npm ci`).
The app's CSP allows scripts from its own origin only, so rather than an inline script tag,
which the CSP would refuse (and which would hide the CSP from the walk), the page fetches
axe from a path on its own origin that Playwright answers from node_modules.
"""
from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

AXE_JS = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
AXE_PATH = "/__axe-core/axe.min.js"
BLOCKING = ("serious", "critical")
# WCAG 2.0-2.2 A and AA, plus axe's best practices (landmarks, heading order, one h1...).
RUN_OPTIONS = {"runOnly": {"type": "tag", "values": [
    "wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
    "resultTypes": ["violations"]}


def missing_reason() -> str | None:
    if AXE_JS.exists():
        return None
    return f"{AXE_JS} is missing: run `npm ci` in tests/browser (scripts/test does)"


def serve_axe(context) -> None:
    """Answers AXE_PATH on any origin the context visits with axe-core's script."""
    context.route("**" + AXE_PATH, lambda route: route.fulfill(
        path=str(AXE_JS), content_type="text/javascript"))


def run_axe(page) -> list[dict]:
    """The violations axe finds on the page as it is now, one dict per rule
    (serve_axe must have been called on the page's context)."""
    if not page.evaluate("typeof window.axe === 'object'"):
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(page.url))
        page.add_script_tag(url=origin + AXE_PATH)
    return page.evaluate("options => axe.run(document, options).then(r => r.violations)",
                         RUN_OPTIONS)


def blocking(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in BLOCKING]


def describe(page_name: str, violations: list[dict]) -> str:
    """One line per rule and one per element: id, impact, target, help."""
    lines = [f"{len(violations)} accessibility violation(s) on {page_name}:"]
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} "
                     f"<{violation['helpUrl']}>")
        for node in violation["nodes"]:
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(f"    {json.dumps(node['target'])}: {summary}")
    return "\n".join(lines)
