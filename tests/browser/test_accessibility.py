"""Every page reachable from the demo study, logged in and out and in its error states, breaks
none of axe-core's WCAG 2.0, 2.1 and 2.2 A and AA rules (issue 14).

The crawl (``page_crawl.every_page``) follows every link from the studies list, one page per URL
pattern, then sends the forms empty, asks for a missing and a forbidden page, and opens the pages
that only a form leads to; a check against the route table makes sure no page was missed.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page

from tests.browser.axe_check import WCAG_TAGS, axe_violations, describe_violations
from tests.browser.page_crawl import every_page, pages_not_visited

if TYPE_CHECKING:
    from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser


def test_every_page_passes_axe(live_server: LiveServer, page: Page) -> None:
    started = time.monotonic()
    failures: list[str] = []
    visited: list[str] = []
    urls: list[str] = []
    for visit in every_page(page, live_server):
        visited.append(f"{visit.status} {visit.context}")
        urls.append(visit.url)
        violations = axe_violations(page)
        if violations:
            failures.append(f"{visit.context}:\n{describe_violations(violations)}")
    print(
        f"axe-core ({', '.join(WCAG_TAGS)}) checked {len(visited)} pages in "
        f"{time.monotonic() - started:.0f} s:\n" + "\n".join(visited)
    )

    assert len(visited) > 40, "the crawl reached too few pages to be checking the app"
    assert {"400", "403", "404", "429"} <= {line.split()[0] for line in visited}
    assert pages_not_visited(live_server, urls) == set(), "pages the crawl never reached"
    assert failures == [], (
        f"{len(failures)} of {len(visited)} pages break WCAG A/AA rules:\n\n"
        + "\n\n".join(failures)
    )
