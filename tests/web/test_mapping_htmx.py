"""The mapping page's actions answer htmx with the editor fragment and anything else with the
redirect they always gave; refusals keep what was typed, beside the field (issue 14, part 4)."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from sqlalchemy import func, select

# The mapping tests' ``chart`` fixture, imported so that pytest finds it here too; ruff would
# otherwise call every test's ``chart`` parameter a redefinition of it.
# ruff: noqa: F811
from tests.web.test_flowchart_mapping import _add, _link, _step, chart  # noqa: F401
from tocapp.domain.theory import Theme
from tocapp.extensions import db
from tocapp.models import Link, Step
from tocapp.services.flowcharts import suggested_theme

HTMX = {"HX-Request": "true"}


def _text(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


def _is_fragment(response: Any) -> str:
    """The editor fragment: the editor and the live region's out-of-band swap, no page round it."""
    page = _text(response)
    assert '<div id="map-editor"' in page
    assert '<p id="map-status" hx-swap-oob="innerHTML">' in page
    assert "<html" not in page and "<h1" not in page
    return page


def _status(page: str) -> str:
    found = re.search(r'<p id="map-status" hx-swap-oob="innerHTML">(.*?)</p>', page, re.S)
    assert found is not None
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


def _focus(page: str) -> str:
    found = re.search(r'<div id="map-editor"[^>]*data-focus="([^"]+)"', page)
    assert found is not None
    return found.group(1)


@pytest.fixture
def two_steps(client, chart):
    _add(client, chart, "Children start with delayed speech", source=1)
    _add(client, chart, "Coaching every fortnight", theme="action", source=3)
    _add(client, chart, "Staff talk about talk", theme="action")
    return _step("Children start with delayed speech"), _step("Coaching every fortnight")


# --- every action: a fragment for htmx, the redirect otherwise ---------------------------------


def _actions(chart: dict[str, Any], first: Step, second: Step) -> dict[str, tuple[str, dict]]:
    link = db.session.scalar(select(Link))
    return {
        "add a step": (
            chart["add_step"],
            {
                "theme": "outcome",
                "group_id": str(chart["groups"]["Parents"]),
                "text": "Parents hear more talk",
                "source_answer_id": "",
                "source_quote": "",
            },
        ),
        "edit a step": (
            chart["step"](first.id, "edit"),
            {
                "theme": "situation",
                "group_id": str(chart["groups"]["Staff"]),
                "text": "Children start school with delayed speech",
                "source_answer_id": str(chart["answers"][1]),
                "source_quote": "delayed speech",
            },
        ),
        "move a step": (chart["step"](second.id, "move"), {"direction": "down"}),
        "add an arrow": (
            chart["add_link"],
            {"arrow-source_id": str(first.id), "arrow-target_id": str(second.id)},
        ),
        "delete an arrow": (chart["delete_link"](link.id), {}),
        "delete a step": (chart["step"](first.id, "delete"), {}),
    }


EXPECTED = {
    "add a step": (r"Step O1 is added \(Intended outcomes, Parents\)\.", "#text"),
    "edit a step": (r"Step S1 is saved\.", ".edit-link"),
    "move a step": (r"Step A1 is moved down; it is now A2\.", ".move-down|"),
    "add an arrow": (r"The arrow from S1 to A\d is added\.", "#arrow-source_id"),
    "delete an arrow": (r"The arrow from S1 to A\d is removed\.", "#arrows-heading"),
    "delete a step": (r"Step S1 and its arrows are removed\.", ".add-here"),
}


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "plain"])
def test_each_mapping_action_answers_htmx_with_the_editor_and_forms_with_a_redirect(
    client,
    chart,
    two_steps,
    htmx,
):
    first, second = two_steps
    _link(client, chart, first, _step("Staff talk about talk"))
    client.get(chart["map"])  # shows (and so clears) the set-up's own messages
    for name, (url, data) in _actions(chart, first, second).items():
        if htmx and name == "edit a step":  # the inline form's fields are prefixed
            data = {f"edit-{key}": value for key, value in data.items()}
        response = client.post(url, data=data, headers=HTMX if htmx else {})
        message, focus = EXPECTED[name]
        if htmx:
            assert response.status_code == 200, name
            page = _is_fragment(response)
            assert re.fullmatch(r"✓ " + message, _status(page)), (name, _status(page))
            assert focus in _focus(page), name
        else:
            assert response.status_code == 303, name
            assert response.headers["Location"].startswith(chart["map"]), name
    # What each did is done either way.
    assert _step("Parents hear more talk") is not None
    assert _step("Children start with delayed speech") is None
    assert db.session.scalar(select(func.count()).select_from(Link)) == 0
    # htmx got its message in the fragment: none is left waiting for the next page.
    shown = _text(client.get(chart["map"]))
    assert ("Saved:" in shown) is not htmx


def test_the_edit_and_delete_links_open_in_place_for_htmx_and_as_pages_otherwise(
    client,
    chart,
    two_steps,
):
    first, _ = two_steps
    page = _is_fragment(client.get(chart["step"](first.id, "edit"), headers=HTMX))
    # Inline, its fields are prefixed so they do not share ids with the add form.
    assert 'id="edit-text"' in page and 'name="edit-text"' in page
    assert "Children start with delayed speech</textarea>" in page
    assert _focus(page) == "#edit-text"
    whole = _text(client.get(chart["step"](first.id, "edit")))
    assert "<h1>Edit step S1" in whole and 'id="edit-text"' not in whole

    page = _is_fragment(client.get(chart["step"](first.id, "delete"), headers=HTMX))
    assert "Delete step S1?" in page
    assert f"#map-step-{first.id} .confirm-delete" == _focus(page)
    assert "<h1>Delete step S1?</h1>" in _text(client.get(chart["step"](first.id, "delete")))

    # "Cancel" asks for the editor as it is, and focus goes back to the step.
    page = _is_fragment(client.get(chart["map"] + f"?step={first.id}", headers=HTMX))
    assert 'id="edit-text"' not in page
    assert _focus(page) == f"#map-step-{first.id} .edit-link"
    assert _step("Children start with delayed speech") is not None


def test_an_inline_edit_posts_its_prefixed_fields(client, chart, two_steps):
    first, _ = two_steps
    data = {
        "edit-theme": "outcome",
        "edit-group_id": str(chart["groups"]["Children"]),
        "edit-text": "Children talk more",
        "edit-source_answer_id": "",
        "edit-source_quote": "",
    }
    response = client.post(chart["step"](first.id, "edit"), data=data, headers=HTMX)
    assert response.status_code == 200
    db.session.expire_all()
    step = db.session.get(Step, first.id)
    assert (step.text, step.theme, step.group.name) == ("Children talk more", "outcome", "Children")


# --- refusals keep what was typed, beside the field --------------------------------------------


def test_a_refused_add_keeps_the_words_and_says_why_beside_the_text(client, chart):
    typed = "word " * 120
    response = _post_add(client, chart, typed, headers=HTMX)
    assert response.status_code == 400
    page = _is_fragment(response)
    assert typed.strip() in page
    assert re.search(r'<small id="text-error" class="field-error">A step can be at most 500', page)
    assert 'aria-invalid="true"' in page
    assert _status(page) == ""
    assert db.session.scalar(select(func.count()).select_from(Step)) == 0
    # Without htmx: the whole page, the same message beside the field and at the top.
    whole = _text(_post_add(client, chart, typed))
    assert "<h1>" in whole and 'id="text-error"' in whole and "Problem:" in whole


def _post_add(client: Any, chart: dict[str, Any], text: str, **kwargs: Any) -> Any:
    data = {
        "theme": "action",
        "group_id": str(chart["groups"]["Staff"]),
        "text": text,
        "source_answer_id": "",
        "source_quote": "",
    }
    return client.post(chart["add_step"], data=data, **kwargs)


def test_a_saved_step_or_arrow_leaves_its_form_empty_for_the_next(client, chart, two_steps):
    """Else pressing the button again adds the same step twice."""
    page = _is_fragment(_post_add(client, chart, "Said once: مرحبا 🌱", headers=HTMX))
    assert "is added" in _status(page)
    add_form = page[page.index('id="add-step-form"') :]
    assert re.search(r'<textarea[^>]*id="text"[^>]*>\s*</textarea>', add_form)
    assert 'selected value="action"' in add_form  # the same cell, for the next step
    first, second = two_steps
    data = {
        "arrow-source_id": str(first.id),
        "arrow-target_id": str(second.id),
        "arrow-label": "so that, once",
    }
    page = _is_fragment(client.post(chart["add_link"], data=data, headers=HTMX))
    assert 'value="so that, once"' not in page[page.index('id="arrow-form"') :]


def test_a_refused_inline_edit_stays_open_with_what_was_typed(client, chart, two_steps):
    first, _ = two_steps
    data = {
        "edit-theme": "situation",
        "edit-group_id": str(chart["groups"]["Staff"]),
        "edit-text": "Kept words",
        "edit-source_answer_id": "",
        "edit-source_quote": "a quote with no answer",
    }
    response = client.post(chart["step"](first.id, "edit"), data=data, headers=HTMX)
    assert response.status_code == 400
    page = _is_fragment(response)
    assert "Kept words</textarea>" in page and "a quote with no answer</textarea>" in page
    assert 'id="edit-source_answer_id-error"' in page
    assert _step("Children start with delayed speech") is not None  # unchanged


def test_a_refused_arrow_keeps_its_label_and_names_the_end_to_change(
    client,
    chart,
    two_steps,
):
    first, _ = two_steps
    data = {
        "arrow-source_id": str(first.id),
        "arrow-target_id": str(first.id),
        "arrow-label": "leads to itself",
    }
    response = client.post(chart["add_link"], data=data, headers=HTMX)
    assert response.status_code == 400
    page = _is_fragment(response)
    assert 'value="leads to itself"' in page
    assert re.search(r'id="arrow-target_id-error"[^>]*>An arrow cannot start and end', page)


def test_the_arrow_form_starts_with_two_different_steps(client, chart, two_steps):
    page = _text(client.get(chart["map"]))
    chosen = re.findall(r'<option selected value="(\d+)">', page)
    assert len(chosen) >= 2 and chosen[-2] != chosen[-1]


# --- other studies' ids are still not found ----------------------------------------------------


def test_another_studys_steps_and_arrows_are_404_for_htmx_too(
    client,
    chart,
    two_steps,
    make_project,
):
    first, second = two_steps
    _link(client, chart, first, second)
    link = db.session.scalar(select(Link))
    other = make_project(owner=chart["owner"])
    base = f"/studies/{other.id}"
    for url in (f"{base}/steps/{first.id}/edit", f"{base}/steps/{first.id}/delete"):
        assert client.get(url, headers=HTMX).status_code == 404, url
    for url in (
        f"{base}/steps/{first.id}/move",
        f"{base}/steps/{first.id}/delete",
        f"{base}/steps/{first.id}/edit",
        f"{base}/links/{link.id}/delete",
    ):
        assert client.post(url, data={"direction": "up"}, headers=HTMX).status_code == 404, url
    assert _step("Children start with delayed speech") is not None
    assert db.session.scalar(select(func.count()).select_from(Link)) == 1


# --- map from the words ------------------------------------------------------------------------


def test_the_theme_is_suggested_from_the_question():
    assert [suggested_theme(n) for n in range(1, 8)] == [
        Theme.SITUATION,
        Theme.SITUATION,
        Theme.ACTION,
        Theme.OUTCOME,
        Theme.OUTCOME,
        Theme.OUTCOME,
        None,
    ]


def test_the_answers_carry_their_suggested_theme_and_the_words_form(client, chart):
    page = _text(client.get(chart["map"]))
    q1, q3 = chart["answers"][1], chart["answers"][3]
    assert re.search(rf'data-answer-id="{q1}" data-question="1" data-theme="situation"', page)
    assert re.search(rf'data-answer-id="{q3}" data-question="3" data-theme="action"', page)
    # The tools are hidden until words are selected; each group has its key.
    assert '<div id="words-tools" class="words-tools" hidden>' in page
    for key, name in enumerate(("Staff", "Children", "Parents"), start=1):
        assert re.search(rf'aria-keyshortcuts="{key}"><kbd>{key}</kbd> {name}</button>', page)
    assert re.search(r'<form id="words-form" method="post" hidden\s+action="[^"]+/steps"', page)


def test_a_step_from_words_keeps_the_answer_and_the_words_as_its_quote(client, chart):
    words = "coach teaching assistants\nevery fortnight"
    data = {
        "theme": "action",
        "group_id": str(chart["groups"]["Staff"]),
        "text": "coach teaching assistants every fortnight",
        "source_answer_id": str(chart["answers"][3]),
        "source_quote": words,
    }
    response = client.post(chart["add_step"], data=data, headers=HTMX)
    assert response.status_code == 200
    step = _step("coach teaching assistants every fortnight")
    assert step.source_answer_id == chart["answers"][3]
    assert step.source_quote == words
    assert f'From Q3</span>: <q class="text-literal" dir="auto">{words}</q>' in _text(response)
