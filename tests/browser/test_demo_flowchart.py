"""In a real browser: from the demo login to a setting's drawn flowchart and its downloads."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import log_in

if TYPE_CHECKING:
    from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser

KNOWN_STEP = "85% of the children are learning English as an additional language"


def test_the_demo_flowchart_is_drawn_beside_its_text_version(
    live_server: LiveServer, page: Page, tmp_path: Path
) -> None:
    log_in(page, live_server)
    page.get_by_role("link", name=re.compile("Inter-professional coaching")).first.click()
    page.get_by_role("link", name="Nursery school").click()
    page.get_by_role("button", name="Flowchart", exact=True).click()

    chart = page.locator("#flowchart-figure svg[role=img]")
    expect(chart).to_be_visible()
    # The step's words are in the drawing (wrapped over several <text> lines) ...
    drawn = re.sub(r"\s+", " ", " ".join(chart.locator("text").all_text_contents()))
    assert KNOWN_STEP in drawn
    box = chart.locator("g.step").first.bounding_box()
    assert box is not None and box["width"] > 50 and box["height"] > 20
    # ... and in the text version beside it.
    expect(page.locator(".chart-text")).to_contain_text(KNOWN_STEP)

    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("^PNG")).click()
    download = download_info.value
    assert re.fullmatch(r".*_NUR_flowchart-v\d+\.png", download.suggested_filename)
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert saved.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    screenshot = tmp_path / "demo-flowchart.png"
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.screenshot(path=screenshot, full_page=True)
    assert screenshot.stat().st_size > 20_000
