"""Every page reachable from the demo study, logged in and out and in its error states, meets
WCAG 2.2 A and AA as far as a machine can tell (issue 14):

- axe-core finds none of its WCAG 2.0, 2.1 and 2.2 A and AA rules broken;
- focused from the keyboard, every control shows a solid outline of 2 px or more at 3:1 against
  what is behind it (2.4.7, 2.4.13), or for a chart's step a stroke that focusing changes;
- every control, and every link that is not a word in a sentence, is at least 24×24 CSS pixels
  (2.5.8).

The crawl (``page_crawl.every_page``) follows every link from the studies list, one page per URL
pattern, then sends the forms empty, asks for a missing and a forbidden page, and opens the pages
that only a form leads to; a check against the route table makes sure no page was missed. All
three checks run in one crawl, which is most of the time the test takes.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page

from tests.browser.axe_check import (
    WCAG_TAGS,
    assert_no_axe_violations,
    axe_violations,
    describe_violations,
)
from tests.browser.conftest import log_in
from tests.browser.page_crawl import every_page, pages_not_visited

if TYPE_CHECKING:
    from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser

CONTROL_CHECKS = (Path(__file__).parent / "control_checks.js").read_text(encoding="utf-8")


def test_every_page_passes_axe_with_visible_focus_and_big_enough_targets(
    live_server: LiveServer, page: Page
) -> None:
    started = time.monotonic()
    broken: list[str] = []
    unfocused: list[str] = []
    small: list[str] = []
    visited: list[str] = []
    urls: list[str] = []
    for visit in every_page(page, live_server):
        visited.append(f"{visit.status} {visit.context}")
        urls.append(visit.url)
        # What a closed <details> holds is hidden from axe: open them all, as a reader may.
        page.evaluate(
            "() => document.querySelectorAll('details').forEach((d) => { d.open = true; })"
        )
        violations = axe_violations(page)
        if violations:
            broken.append(f"{visit.context}:\n{describe_violations(violations)}")
        page.keyboard.press("Tab")  # keyboard use: focus moved by script now shows :focus-visible
        found = page.evaluate(CONTROL_CHECKS)
        unfocused += [f"{visit.context}: {line}" for line in found["unfocused"]]
        small += [f"{visit.context}: {line}" for line in found["small"]]
    print(
        f"axe-core ({', '.join(WCAG_TAGS)}), focus and target sizes checked on {len(visited)} "
        f"pages in {time.monotonic() - started:.0f} s:\n" + "\n".join(visited)
    )

    assert len(visited) > 40, "the crawl reached too few pages to be checking the app"
    assert {"400", "403", "404", "429"} <= {line.split()[0] for line in visited}
    assert pages_not_visited(live_server, urls) == set(), "pages the crawl never reached"
    problems = []
    if broken:
        problems.append(
            f"{len(broken)} of {len(visited)} pages break WCAG A/AA rules (axe-core):\n\n"
            + "\n\n".join(broken)
        )
    if unfocused:
        problems.append("Controls without a visible focus indicator:\n" + "\n".join(unfocused))
    if small:
        problems.append("Targets smaller than 24×24 px:\n" + "\n".join(small))
    assert problems == [], "\n\n".join(problems)


def test_a_dark_system_theme_keeps_the_light_page(live_server: LiveServer, page: Page) -> None:
    """The app's colours are made for a light page (base.html pins Pico's light theme): with the
    computer set to dark, messages and marks keep their contrast."""
    page.emulate_media(color_scheme="dark")
    page.goto("/login")
    page.get_by_label("E-mail address").fill(live_server.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in", exact=True).click()
    assert_no_axe_violations(page, context="the login page's error, in a dark system theme")
    log_in(page, live_server)
    page.get_by_role("link", name="Inter-professional coaching", exact=False).first.click()
    page.goto(page.url.rstrip("/") + "/coverage")
    assert_no_axe_violations(page, context="the coverage page, in a dark system theme")
