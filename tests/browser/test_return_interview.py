"""In a real browser: a return interview captured by mouse, then by keyboard only — a mark, an
arrow drawn by choosing two steps in the chart, and a note — all still there after a reload.
(test_live_interview.py has the whole interview by keyboard, without any page load.)"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import log_in

if TYPE_CHECKING:
    from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser

COACHING = "Video coaching with very short clips"
FEW_TRAINED = "Few practitioners have had training"
CONFIDENT = "Practitioners more confident and reflective"


def _start_teacher_interview(page: Page, server: LiveServer) -> None:
    """The demo's nursery teacher has not been heard in round 2: start their interview."""
    log_in(page, server)
    page.get_by_role("link", name=re.compile("Inter-professional coaching")).first.click()
    page.get_by_role("link", name="Nursery school").click()
    page.get_by_role("button", name="Start a return interview").click()
    page.get_by_role("checkbox", name="Nursery teacher").check()
    page.get_by_role("button", name="Start the interview and open the chart").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Nursery teacher (NUR-P03)")


def _svg_step(page: Page, words: str) -> Locator:
    return page.locator("#flowchart-figure svg g.step").filter(has_text=words)


def _row(page: Page, words: str) -> Locator:
    return page.locator("li.voice-step").filter(has_text=words)


def _tab_to(page: Page, selector: str, limit: int = 400) -> None:
    """Press Tab until the focused element matches ``selector``: the keyboard, nothing else."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(
            "s => document.activeElement && document.activeElement.matches(s)", selector
        ):
            return
    raise AssertionError(f"Tab never reached {selector}")


def _move_to(page: Page, step_id: str | None) -> None:
    """Into the drawing (one tab stop), then the arrow keys from the first step to this one."""
    if not page.evaluate("() => document.activeElement.matches('#flowchart-figure svg g.step')"):
        _tab_to(page, "#flowchart-figure svg g.step")
    page.keyboard.press("Home")
    for _ in range(40):
        if page.evaluate("() => document.activeElement.id") == step_id:
            return
        page.keyboard.press("ArrowRight")
    raise AssertionError(f"the arrow keys never reached {step_id}")


def _check_saved(page: Page, note: str, arrow_note: str) -> None:
    expect(page.locator("#notes")).to_contain_text(note)  # the note's save has come back
    page.reload()
    expect(_row(page, COACHING).locator(".voice-step-mark")).to_contain_text("Achieved")
    svg_text = " ".join(page.locator("#flowchart-figure svg text").all_text_contents())
    assert "✓ Achieved" in svg_text and "[1]" in svg_text and "Note 1" in svg_text
    arrow = page.locator("#arrow-1")
    expect(arrow).to_contain_text(arrow_note)
    expect(page.locator("#notes")).to_contain_text(note)
    expect(
        page.locator("#flowchart-figure svg g.link.added, #flowchart-figure svg g.added")
    ).not_to_have_count(0)


def test_mouse_mark_arrow_and_note_persist(
    live_server: LiveServer, page: Page, tmp_path: Path
) -> None:
    page.set_viewport_size({"width": 1400, "height": 1000})
    _start_teacher_interview(page, live_server)

    _svg_step(page, COACHING).click()
    row = _row(page, COACHING)
    expect(row).to_have_class(re.compile("selected"))
    row.get_by_role("button", name=re.compile("Achieved")).click()
    expect(_row(page, COACHING).locator(".voice-step-mark")).to_contain_text("Achieved")

    page.get_by_role("button", name="Draw an arrow").click()
    _svg_step(page, FEW_TRAINED).click()
    expect(page.locator("#annotate-status")).to_contain_text("now choose the step it leads to")
    _svg_step(page, CONFIDENT).click()
    expect(page.locator("#arrow-note")).to_be_focused()
    page.locator("#arrow-note").fill("Training is what made us confident")
    page.get_by_role("button", name="Save the arrow").click()
    expect(page.locator("#arrow-1")).to_contain_text("Training is what made us confident")

    _svg_step(page, COACHING).click()
    row = _row(page, COACHING)
    row.locator("summary").click()
    row.get_by_label(re.compile("^Note on")).fill("Watching the clips together helped — ŵ 🌱")
    row.get_by_role("button", name="Save the note").click()

    _check_saved(
        page, "Watching the clips together helped — ŵ 🌱", "Training is what made us confident"
    )
    page.screenshot(path=tmp_path / "return-interview-mouse.png", full_page=True)
    assert (tmp_path / "return-interview-mouse.png").stat().st_size > 20_000


def test_keyboard_only_mark_arrow_and_note_persist(
    live_server: LiveServer, page: Page, tmp_path: Path
) -> None:
    page.set_viewport_size({"width": 1400, "height": 1000})
    _start_teacher_interview(page, live_server)
    coaching_id = _svg_step(page, COACHING).get_attribute("id")
    few_id = _svg_step(page, FEW_TRAINED).get_attribute("id")
    confident_id = _svg_step(page, CONFIDENT).get_attribute("id")

    # Mark: Tab into the drawing, arrow keys to the step, Enter goes to its first mark button.
    _move_to(page, coaching_id)
    page.keyboard.press("Enter")
    expect(_row(page, COACHING).get_by_role("button", name=re.compile("Achieved"))).to_be_focused()
    page.keyboard.press("Enter")
    expect(_row(page, COACHING).locator(".voice-step-mark")).to_contain_text("Achieved")

    # Arrow: the toolbar button, then two steps, then the note and Save, all from the keyboard.
    page.keyboard.press("Home")
    _tab_to(page, "#arrow-mode")
    page.keyboard.press("Enter")
    _move_to(page, few_id)
    page.keyboard.press("Space")
    _move_to(page, confident_id)
    page.keyboard.press("Enter")
    expect(page.locator("#arrow-note")).to_be_focused()
    page.keyboard.type("Training is what made us confident")
    _tab_to(page, "#arrow-form button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator("#arrow-1")).to_contain_text("Training is what made us confident")

    # Note: from the step's row, open "Add a note", type, save.
    key = coaching_id.removeprefix("step-")
    _tab_to(page, f"#voice-step-{key} summary")
    page.keyboard.press("Enter")
    _tab_to(page, f"#note-text-{key}")
    page.keyboard.type("Typed without a mouse")
    _tab_to(page, f"#voice-step-{key} details button[type=submit]")
    page.keyboard.press("Enter")

    _check_saved(page, "Typed without a mouse", "Training is what made us confident")
    page.screenshot(path=tmp_path / "return-interview-keyboard.png", full_page=True)
    assert (tmp_path / "return-interview-keyboard.png").stat().st_size > 20_000
