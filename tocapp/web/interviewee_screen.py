"""The interviewee's screen: one voice's chart, large and calm, for a projector or a tablet.

At a return interview the interviewer opens this from the voice page in a second window, drags it
to a projector or second monitor (or hands a tablet across the table), and keeps working on the
voice page. The screen has no controls and no navigation: the chart, this voice's numbered notes
and new arrows in large type, and the chart in words below them. It follows the voice page by
polling ``state.json`` once a second — a short request that answers with a key of what the
screen shows — and fetches the chart fragment only when that key has changed, so it never holds
a gunicorn sync worker for longer than one small read.

Privacy: the interviewee sees this screen, so it shows only what is theirs and the leader's map —
the frozen version they were shown, with this voice's marks, notes, arrows and steps. Labels are
the pseudonymised research labels ("Teaching assistant (NUR-P02)"); no real name, no e-mail, no
other voice and nothing of any other participant. The leader's round-1 words are not shown at all
(the steps' quoted sources are left out of the text version, and withheld by the read model as for
anyone but the mapper). This voice's own notes are shown as typed, as on the interviewer's page:
they are the interviewee's own words, read back to them.

There is no separate login: the screen runs on the interviewer's own session in the same browser,
needs the same role as the voice page, and ends when that session ends (logout, an expired login,
a withdrawal that deletes the interview) — the next poll is refused and the page clears itself.
Nothing is cached: each answer is read from the database, and every response says ``no-store``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from tocapp.domain.outline import build_outline, step_numbers
from tocapp.domain.people import Audience
from tocapp.domain.voices import Mark, chart_with_voices
from tocapp.extensions import db
from tocapp.models import (
    Interview,
)
from tocapp.services import voice_read
from tocapp.services.access import load_in
from tocapp.services.voice_overlays import voice_annotations
from tocapp.services.voice_revision import revision_key
from tocapp.web import chart_images

bp = Blueprint("interviewee_screen", __name__)

SCREEN_URL = "/studies/<int:project_id>/interviews/<int:interview_id>/screen"
POLL_MILLISECONDS = 1000


@bp.get(SCREEN_URL)
def show(project_id: int, interview_id: int) -> Response:
    """The whole screen: the chart and notes as they are now, and what the poller needs."""
    interview = _voice(project_id, interview_id)
    revision = revision_key(db.session, interview)  # before the read: a later change is re-polled
    here = {"project_id": project_id, "interview_id": interview_id}
    html = render_template(
        "interviewee/screen.html",
        revision=revision,
        state_url=url_for("interviewee_screen.state", **here),
        fragment_url=url_for("interviewee_screen.fragment", **here),
        poll_ms=POLL_MILLISECONDS,
        **_shown(interview),
    )
    return _no_store(Response(html, mimetype="text/html"))


@bp.get(SCREEN_URL + "/state.json")
def state(project_id: int, interview_id: int) -> Response:
    """A key of everything the screen shows; it changes exactly when the screen would."""
    interview = _voice(project_id, interview_id)
    return _no_store(jsonify(revision=revision_key(db.session, interview)))


@bp.get(SCREEN_URL + "/chart")
def fragment(project_id: int, interview_id: int) -> Response:
    """The chart, notes and text version as an HTML fragment, carrying its own revision."""
    interview = _voice(project_id, interview_id)
    revision = revision_key(db.session, interview)
    html = render_template("interviewee/_shown.html", revision=revision, **_shown(interview))
    return _no_store(Response(html, mimetype="text/html"))


def _voice(project_id: int, interview_id: int) -> Interview:
    # The same rule as the voice page (web/voices.annotate): any member of the study may open it.
    interview, _ = load_in(db.session, current_user, Interview, interview_id, project_id)
    if interview.version_id is None:  # (the id: state.json need not load the version)
        abort(404)  # a round-1 interview has no chart to show
    return interview


def _shown(interview: Interview) -> dict[str, Any]:
    """What the screen shows, read through the voice read model and drawn as the voice page
    draws it (the same chart gives the same cached drawing)."""
    assert interview.version is not None
    voice_read.load_voices(db.session, [interview])
    voice_read.load_chart(db.session, interview.version)
    layer = voice_read.voice_of(interview, Audience.RESEARCH, editing=True)
    chart = chart_with_voices(voice_read.leader_chart(interview.version), [layer])
    drawing = chart_images.inline_chart(
        chart, f"{chart.title}, annotated by {layer.label}", voice_annotations(layer)
    )
    notes_by_step: dict[str, list[int]] = {}
    for note in layer.notes:
        if note.step_key is not None:
            notes_by_step.setdefault(note.step_key, []).append(note.number)
    return {
        "chart": chart,
        "layer": layer,
        "drawing": drawing,
        "numbers": step_numbers(chart),
        "outline": build_outline(chart),
        "notes_by_step": notes_by_step,
        "marks": sorted(Mark, key=lambda mark: mark.order),
    }


def _no_store(response: Response) -> Response:
    """Never kept by the browser: a screen that has ended must not come back with Back."""
    response.headers["Cache-Control"] = "no-store"
    return response
