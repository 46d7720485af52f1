"""The voice page and the parts a save sent by htmx is answered with.

``page_context`` reads everything the page shows; ``voice_page`` renders it whole (a plain GET,
or a plain form refused), ``live`` only the parts named (``voices/_live.html``: ``main`` swapped
into the request's target, the others by their ids), and ``refused`` a refused save's own form
with its message and the words typed, retargeted there (``HX-Retarget``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import make_response, render_template, request, url_for
from werkzeug.wrappers import Response

from tocapp.domain.errors import STEP_NOT_SHOWN
from tocapp.domain.outline import step_numbers
from tocapp.domain.theory import Flowchart, ordered_steps
from tocapp.domain.voices import VoiceLayer, chart_with_voices
from tocapp.extensions import db
from tocapp.models import Interview
from tocapp.models.users import Role
from tocapp.services import voice_read, voices
from tocapp.services.interviews import interview_title
from tocapp.services.voice_overlays import voice_annotations
from tocapp.web import chart_images
from tocapp.web.forms.voice_forms import (
    ArrowForm,
    NoteForm,
    VoiceStepForm,
    arrow_form,
    voice_step_form,
)
from tocapp.web.interviews import study_trail


@dataclass
class PageState:
    """What a refused action typed, so the page can show it again beside its message."""

    status: int = 200
    mark_error: tuple[int, str] | None = None  # (step id, message)
    note: NoteForm | None = None
    arrow: ArrowForm | None = None
    new_step: VoiceStepForm | None = None
    message: str = ""


# What a new or removed step changes besides the drawing: every reading number after it. The
# step list is swapped whole; the page's script keeps the words typed into its note boxes.
RENUMBERED = ("steps", "arrows", "arrow_form", "notes", "undo")


def is_live() -> bool:
    """Sent by the page's script (htmx), which swaps in the parts it is answered with."""
    return request.headers.get("HX-Request") == "true"


def refused(interview: Interview, role: Role, state: PageState) -> Any:
    """A refused save: the whole page again, or (htmx) only the refused form, with its message
    and the words typed, swapped in where the form is (HX-Retarget)."""
    if not is_live():
        return voice_page(interview, role, state)
    asked = state.note.step_id.data if state.note is not None else None
    page = page_context(interview, role, state)
    said = ""
    if state.mark_error:
        main, extra = f"state:{state.mark_error[0]}", ["figure"]
    elif state.note is not None:
        step_id = state.note.step_id.data
        main, extra = (f"note:{step_id}" if step_id is not None else "thread"), []
        if asked is not None and step_id is None:
            # Its step went in another tab (or is made up): this page is behind, so it is
            # brought up to date with the words moved to the new-thread form, and says so.
            extra, said = ["figure", *RENUMBERED], NOTE_MOVED
    elif state.arrow is not None:
        main, extra = "arrow_form", []
    elif state.new_step is not None:
        main, extra = "new_step", []
    else:
        main, extra = "message", ["figure"]
    response = live(page, main, extra, said)
    element = {"state": "step-state-", "note": "step-note-"}.get(main.partition(":")[0])
    target = element + main.partition(":")[2] if element else _PART_IDS[main]
    response.headers["HX-Retarget"] = "#" + target
    response.headers["HX-Reswap"] = "outerHTML"
    return response


_PART_IDS = {
    "message": "voice-message",
    "thread": "thread-form",
    "arrow_form": "arrow-form",
    "new_step": "new-step-form",
}


def live(page: dict[str, Any], main: str, oob: Sequence[str], said: str) -> Response:
    """The parts of the page a save changed; ``said`` goes to the page's live region."""
    body = render_template("voices/_live.html", main=main, oob=list(oob), **page)
    response = make_response(body, page["state"].status)
    if said:
        # json.dumps escapes every non-ASCII character, so the header stays Latin-1.
        response.headers["HX-Trigger"] = json.dumps({"voice-saved": {"message": said}})
    response.headers["Cache-Control"] = "no-store"
    return response


def voice_page(interview: Interview, role: Role, state: PageState) -> tuple[str, int]:
    return render_template(
        "voices/annotate.html", **page_context(interview, role, state)
    ), state.status


def page_context(interview: Interview, role: Role, state: PageState) -> dict[str, Any]:
    """Everything the voice page and its parts read."""
    chart, layer = chart_and_layer(interview)
    if state.mark_error and str(state.mark_error[0]) not in chart.step_by_key:
        state.message, state.mark_error = state.mark_error[1], None
    if state.note is not None:
        _keep_words_of_a_note_without_its_step(state.note, chart)
    numbers = step_numbers(chart)
    steps = ordered_steps(chart.steps, chart.lane_groups())
    revisions = {m.step_id: m.revision for m in interview.marks}
    notes_by_step: dict[str, list[Any]] = {}
    for n in layer.notes:
        if n.step_key is not None:
            notes_by_step.setdefault(n.step_key, []).append(n)
    can_record = role.can_record
    choices = [(int(s.key), numbers[s.key], s.text) for s in steps]
    # The leader's arrows in words, on each step's row (this voice's own are listed below).
    order = {s.key: i for i, s in enumerate(steps)}
    leads_to: dict[str, list[tuple[str, str]]] = {}
    for link in sorted(chart.links, key=lambda ln: order.get(ln.target, len(order))):
        if not link.added_by and link.source in numbers and link.target in numbers:
            leads_to.setdefault(link.source, []).append((numbers[link.target], link.label))
    drawing = chart_images.inline_chart(
        chart, f"{chart.title}, annotated by {layer.label}", voice_annotations(layer)
    )
    last = voices.last_action(db.session, interview) if can_record else None
    project_id = interview.setting.project_id
    return {
        "interview": interview,
        "title": interview_title(interview),
        "role": role,
        "can_record": can_record,
        "layer": layer,
        "chart": chart,
        "steps": steps,
        "step_by_key": {s.key: s for s in steps},
        "numbers": numbers,
        "revisions": revisions,
        "notes_by_step": notes_by_step,
        "leads_to": leads_to,
        "drawing": drawing,
        "last_action": last,
        "state": state,
        "arrow_form": state.arrow or _fresh_arrow_form(choices),
        "step_form": state.new_step or _fresh_step_form(interview),
        "note_form": state.note,
        "here": {"project_id": project_id, "interview_id": interview.id},
        "drafts_url": url_for("drafts.save", project_id=project_id),
        "trail": study_trail(interview.setting.project, interview.setting),
    }


def _fresh_arrow_form(choices: list[tuple[int, str, str]]) -> ArrowForm:
    """A new arrow form from the first step to the second (S1 → S1 could never be saved), not
    filled in from what was just posted: after a save the form starts again."""
    form = arrow_form(choices)
    form.process(formdata=None, data={"target_id": choices[1][0]} if len(choices) > 1 else {})
    return form


def _fresh_step_form(interview: Interview) -> VoiceStepForm:
    form = voice_step_form(interview.setting.project.groups)
    form.process(formdata=None)
    return form


NOTE_STEP_GONE = (
    "That step is not on the flowchart shown at this interview (it may have just been undone). "
    "Your words are kept here, as a note on a new thread: save them here, or copy them to a step."
)


NOTE_MOVED = "Not saved: that step is no longer on the chart. Your note is in the new-thread form."


def _keep_words_of_a_note_without_its_step(note: NoteForm, chart: Flowchart) -> None:
    """A refused note whose step is not on the chart (undone meanwhile, or a made-up id) has no
    box to go back to: its words go to the new-thread form, with the reason."""
    step_id = note.step_id.data
    if step_id is None or str(step_id) in chart.step_by_key:
        return
    note.step_id.data = None
    others = [e for e in note.text.errors if e != STEP_NOT_SHOWN]
    note.text.errors = [*others, NOTE_STEP_GONE]


def chart_and_layer(interview: Interview) -> tuple[Flowchart, VoiceLayer]:
    """The interviewer's working view of this voice: every word as typed."""
    assert interview.version is not None
    layer = voice_read.voice_of(interview, editing=True)
    chart = chart_with_voices(voice_read.leader_chart(interview.version, editing=True), [layer])
    return chart, layer
