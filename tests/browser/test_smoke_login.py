"""A person can log in with the demo login, in a real browser, and reach their studies."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser


def test_demo_login_reaches_your_studies(
    live_server: LiveServer, page: Page, tmp_path: Path
) -> None:
    page.goto("/login")
    page.get_by_label("E-mail address").fill(live_server.email)
    page.get_by_label("Password").fill(live_server.password)
    page.get_by_role("button", name="Log in", exact=True).click()

    expect(page.get_by_role("heading", name="Your studies")).to_be_visible()

    screenshot = tmp_path / "your-studies.png"
    page.screenshot(path=screenshot, full_page=True)
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert screenshot.stat().st_size > 2_000
