"""In a real browser at 1366 px wide: a chart's step text reads at 13 px or more (issue 13)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import log_in

if TYPE_CHECKING:
    from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser

# The drawn size of the first step's text: its font-size times the drawing's scale on screen.
STEP_TEXT_PX = """svg => {
  const text = svg.querySelector("g.step text");
  return parseFloat(text.getAttribute("font-size")) * text.getScreenCTM().a;
}"""


def test_step_text_is_13_px_or_more_at_1366_px_wide(live_server: LiveServer, page: Page) -> None:
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, live_server)
    page.get_by_role("link", name=re.compile("Inter-professional coaching")).first.click()
    page.get_by_role("link", name="Nursery school").click()
    page.get_by_role("button", name="Flowchart", exact=True).click()

    chart = page.locator("#flowchart-figure svg[role=img]")
    expect(chart).to_be_visible()
    assert round(chart.evaluate(STEP_TEXT_PX), 2) >= 13  # 12.9999998 is 13 px
    expect(page.locator(".chart-text")).to_be_visible()
