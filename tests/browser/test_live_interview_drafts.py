"""In a real browser: the voice page's note drafts survive what the page does without loading —
a refused note's box swapped in, the step list redrawn — and the note edit form keeps a draft
that reopening the page restores."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import log_in
from tests.browser.test_drafts import RESTORED, _drafts, _kept, _voice_url

if TYPE_CHECKING:
    from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser


def test_a_note_being_edited_survives_a_closed_page(live_server: LiveServer, page: Page) -> None:
    log_in(page, live_server)
    page.goto(_voice_url(live_server))
    page.locator("#notes-list a", has_text="Edit").first.click()
    box = page.locator("textarea[name=text]")
    saved = box.input_value()
    box.press("Control+End")
    box.press_sequentially(" — and the parents noticed", delay=5)
    _kept(page)
    url = page.url
    context = page.context
    page.close()

    again = context.new_page()
    again.goto(url)
    expect(again.locator(".draft-banner[role=status]")).to_contain_text(RESTORED)
    expect(again.locator("textarea[name=text]")).to_have_value(saved + " — and the parents noticed")
    again.get_by_role("button", name="Save the note").click()
    expect(again.locator("#notes-list")).to_contain_text("and the parents noticed")
    assert [d.key for d in _drafts(live_server) if d.key.startswith("voice-note-edit:")] == []


def test_a_refused_note_keeps_its_draft_and_a_redrawn_list_keeps_the_words(
    live_server: LiveServer, page: Page
) -> None:
    log_in(page, live_server)
    page.goto(_voice_url(live_server))
    row = page.locator("li.voice-step").nth(1)
    key = row.get_attribute("data-step-key")
    row.locator("summary").click()
    too_long = "Wrth gwrs " * 450
    page.locator(f"#note-text-{key}").fill(too_long)
    page.locator(f"#note-save-{key}").click()
    expect(page.locator(f"#note-error-{key}")).to_contain_text("at most 4,000")
    # The box swapped in with the message is a draft's form like the one before it.
    page.locator(f"#note-text-{key}").fill("Shorter now, still not saved")
    _kept(page)
    # Adding a step redraws the whole list; the box keeps its words and its draft goes on.
    page.locator("#newstep-text").fill("A step the interviewee added")
    page.locator("#new-step-save").click()
    expect(page.locator("#annotate-status")).to_contain_text("added at this interview")
    expect(page.locator(f"#note-text-{key}")).to_have_value("Shorter now, still not saved")
    page.locator(f"#note-text-{key}").press_sequentially(" More.", delay=5)
    for _ in range(60):
        texts = [d.fields.get("text") for d in _drafts(live_server) if d.key.endswith(f":{key}")]
        if texts == ["Shorter now, still not saved More."]:
            break
        page.wait_for_timeout(100)
    else:
        raise AssertionError(f"the draft after the redraw is {texts}")
