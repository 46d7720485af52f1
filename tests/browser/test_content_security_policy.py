"""Under the app's strict Content Security Policy (no inline script or style) every kind of page
works in a real browser: nothing is refused, and the charts keep their colours and hatches."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser


def test_no_page_breaks_the_policy(live_server: LiveServer, page: Page) -> None:
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text))
    page.goto("/login")
    page.get_by_label("E-mail address").fill(live_server.email)
    page.get_by_label("Password").fill(live_server.password)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_role("heading", name="Your studies")).to_be_visible()
    page.get_by_role("link", name="Inter-professional coaching", exact=False).first.click()
    study = page.url.rstrip("/")
    for path in (
        "/comparison",
        "/coverage",
        "/settings/1/flowchart",
        "/settings/1/voices",
        "/settings/1/flowchart/map",
        "/settings/1/exports",
    ):
        page.goto(study + path)
        expect(page.locator("h1")).to_be_visible()
    page.goto(study + "/comparison")
    bar = page.locator("#across-settings svg g[id*='bar-0-achieved'] path").first
    assert bar.get_attribute("fill") not in (None, "none")  # a presentation attribute, not CSS
    page.goto(study + "/settings/1/voices")
    policy = [text for text in refused if "Content Security Policy" in text or "Refused" in text]
    assert policy == []
