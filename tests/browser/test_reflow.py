"""At 320 CSS pixels wide (WCAG 1.4.10 Reflow) no page scrolls sideways: only a chart, or a wide
table inside its own labelled scroll container, may scroll on its own (issue 14).

Every page of the crawl (``page_crawl.every_page``) is opened in a 320×640 window: the document
must be no wider than the window, every box that scrolls sideways must be scrollable from the
keyboard, and axe-core's rules that depend on the width must find nothing broken there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page

from tests.browser.axe_check import axe_violations, describe_violations
from tests.browser.page_crawl import every_page

if TYPE_CHECKING:
    from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser

WIDTH = 320
# The axe-core rules whose answer can change with the window's width.
NARROW_RULES = ("scrollable-region-focusable", "target-size", "meta-viewport")

# The elements that stick out of the window, outermost first (their children are not listed),
# ignoring what a scroll container of its own holds: what makes the page itself scroll sideways.
WHAT_STICKS_OUT = """(width) => {
    const scrolls = (el) =>
        ["auto", "scroll", "hidden", "clip"].includes(getComputedStyle(el).overflowX);
    const out = [];
    for (const el of document.body.querySelectorAll("*")) {
        const box = el.getBoundingClientRect();
        if (box.right <= width + 0.5 || box.width === 0) continue;
        let clipped = false;
        for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
            if (scrolls(up) || out.includes(up)) { clipped = true; break; }
        }
        if (!clipped) out.push(el);
    }
    return out.slice(0, 5).map((el) =>
        `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}` +
        `${el.classList.length ? "." + [...el.classList].join(".") : ""} ` +
        `(right edge at ${Math.round(el.getBoundingClientRect().right)} px)`);
}"""


# Boxes that scroll sideways at this width that a keyboard cannot scroll (WCAG 2.1.1: neither the
# box nor anything in it takes focus), or that take focus without a name (4.1.2). A chart (an SVG
# without a table) pans in its own way and is left to its page.
UNREACHABLE_SCROLLERS = """() => {
    const focusable = 'a[href], button, input, select, textarea, summary, [tabindex]';
    const out = [];
    for (const el of document.body.querySelectorAll("*")) {
        const style = getComputedStyle(el);
        if (!["auto", "scroll"].includes(style.overflowX) || el.scrollWidth <= el.clientWidth + 1) {
            continue;
        }
        if (el.querySelector("svg") && !el.querySelector("table")) continue;
        const focused = el.tabIndex >= 0 && el.hasAttribute("tabindex");
        const named = (el.getAttribute("aria-label") || el.getAttribute("aria-labelledby") || "")
            .trim() !== "" && el.getAttribute("role") === "region";
        if (focused ? !named : !el.querySelector(focusable)) {
            const what = `${el.tagName.toLowerCase()}${el.className ? "." + el.className : ""}`;
            out.push(focused ? `${what} takes focus but is not a named region`
                : `${what} holds nothing the keyboard can reach (give it tabindex="0", ` +
                  `role="region" and an aria-label)`);
        }
    }
    return out;
}"""


def test_no_page_scrolls_sideways_at_320_px(live_server: LiveServer, page: Page) -> None:
    page.set_viewport_size({"width": WIDTH, "height": 640})
    too_wide: list[str] = []
    unreachable: list[str] = []
    broken: list[str] = []
    pages = 0
    for visit in every_page(page, live_server):
        pages += 1
        page.evaluate(
            "() => document.querySelectorAll('details').forEach((d) => { d.open = true; })"
        )
        width = page.evaluate("() => document.documentElement.scrollWidth")
        if width > WIDTH:
            culprits = page.evaluate(WHAT_STICKS_OUT, WIDTH)
            too_wide.append(f"{visit.context}: {width} px wide; {'; '.join(culprits)}")
        unreachable += [f"{visit.context}: {box}" for box in page.evaluate(UNREACHABLE_SCROLLERS)]
        # What only a narrow window shows: controls wrapped close together, boxes that scroll
        # (the page's other rules are checked at full width by test_accessibility.py).
        if violations := axe_violations(page, rules=NARROW_RULES):
            broken.append(f"{visit.context}:\n{describe_violations(violations)}")
    assert pages > 40, "the crawl reached too few pages to be checking the app"
    problems = []
    if too_wide:
        problems.append(
            f"{len(too_wide)} of {pages} pages scroll sideways at {WIDTH} px:\n"
            + "\n".join(too_wide)
        )
    if unreachable:
        problems.append(
            f"Boxes that scroll sideways at {WIDTH} px that a keyboard cannot scroll or a screen "
            "reader cannot name:\n" + "\n".join(unreachable)
        )
    if broken:
        problems.append(
            f"axe-core at {WIDTH} px finds WCAG A/AA rules broken:\n" + "\n".join(broken)
        )
    assert problems == [], "\n\n".join(problems)
