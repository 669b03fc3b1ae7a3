"""Moving through a page with the keyboard alone, as a keyboard or switch user does."""
from __future__ import annotations

# What the browser shows around the focused element: an outline at least 2 px wide, inside
# the viewport (WCAG 2.4.7 focus visible, 2.4.11 focus not obscured).
FOCUS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) { return null; }
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  return {
    element: el.outerHTML.slice(0, 120),
    outlined: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
    inView: box.bottom > 0 && box.top < innerHeight && box.right > 0 && box.left < innerWidth,
  };
}"""


def focused(page) -> dict | None:
    return page.evaluate(FOCUS)


def tab_to(page, target, *, backwards: bool = False, limit: int = 60) -> None:
    """Presses Tab (or Shift+Tab) until `target` (a locator) has the focus, checking that
    every element the focus passes through shows it."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        page.keyboard.press(key)
        stop = focused(page)
        if stop is None:
            continue  # the focus left the document (past its last element): keep going
        assert stop["outlined"], f"no visible focus indicator on {stop['element']}"
        assert stop["inView"], f"the focused element is off screen: {stop['element']}"
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"{target} not reached with {limit} presses of {key}")


def press_on(page, target, key: str = "Enter", *, backwards: bool = False) -> None:
    """Tabs to `target` and presses `key` on it."""
    tab_to(page, target, backwards=backwards)
    page.keyboard.press(key)
