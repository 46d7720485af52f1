"""Return interviews: starting one, and capturing its voice on the frozen chart.

Each action (mark, note, arrow, step, undo) is its own small POST that saves at once. As a plain
form it redirects back to the same place on the page. Sent by htmx (header ``HX-Request``, the
page's script) it is answered with only the parts of the page it changed (``voices/_live.html``:
the drawing, then the step's state, the notes… swapped by id), with what was saved in an
``HX-Trigger`` event for the page's live region; a refused save answers its own form again, with
the message and the words typed, retargeted there (``HX-Retarget``). So the chart never leaves
the screen and nothing is reloaded, and every action still works without JavaScript.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from tocapp.domain.errors import DomainError
from tocapp.domain.filenames import download_name
from tocapp.domain.outline import step_numbers
from tocapp.domain.theory import ordered_steps
from tocapp.domain.voices import Mark
from tocapp.extensions import db
from tocapp.models import Interview, Setting
from tocapp.models.users import Role
from tocapp.services import voice_read, voices
from tocapp.services.access import load_in
from tocapp.services.errors import StaleEditError
from tocapp.services.flowcharts import latest_version
from tocapp.services.interviews import interview_title
from tocapp.services.voice_overlays import voice_annotations
from tocapp.web import chart_images, database_int
from tocapp.web.acting import acting_user
from tocapp.web.forms.interview_forms import interview_form
from tocapp.web.forms.voice_forms import (
    MarkForm,
    NoteEditForm,
    NoteForm,
    arrow_form,
    voice_step_form,
)
from tocapp.web.interviews import study_trail
from tocapp.web.voice_page import (
    RENUMBERED,
    PageState,
    chart_and_layer,
    is_live,
    live,
    page_context,
    refused,
    voice_page,
)

bp = Blueprint("voices", __name__)

VOICE_URL = "/studies/<int:project_id>/interviews/<int:interview_id>/voice"
SETTING_URL = "/studies/<int:project_id>/settings/<int:setting_id>"


# ---------------------------------------------------------------------------------------------
# Starting a return interview


@bp.route(SETTING_URL + "/return-interviews/new", methods=["GET", "POST"])
def new(project_id: int, setting_id: int) -> Any:
    setting, _ = load_in(
        db.session, current_user, Setting, setting_id, project_id, Role.INTERVIEWER
    )
    rounds = [r for r in setting.project.rounds if r.kind != "initial"]
    version = latest_version(db.session, setting)
    form = interview_form(setting.project, setting.participants, [], _new_defaults(rounds))
    form.round_id.choices = [
        SelectChoice(str(r.id), f"Round {r.number} · {r.title}") for r in rounds
    ]
    if form.validate_on_submit():
        try:
            interview = voices.start_return_interview(
                db.session, acting_user(), setting, form.interview_fields(None)
            )
        except DomainError as error:
            form.form_errors.append(str(error))
        else:
            flash("The return interview has started: mark and annotate the chart as you talk.")
            return redirect(_voice_url(interview), 303)
    return render_template(
        "voices/new.html",
        setting=setting,
        form=form,
        rounds=rounds,
        version=version,
        trail=study_trail(setting.project, setting),
    ), (400 if form.is_submitted() else 200)


def _new_defaults(rounds: list[Any]) -> dict[str, Any]:
    wanted = request.args.get("round", type=database_int)
    round_id = wanted if wanted in {r.id for r in rounds} else (rounds[0].id if rounds else None)
    data: dict[str, Any] = {
        "round_id": round_id,
        "held_on": date.today(),
        "mode": "face-to-face",
        "interviewer": current_user.name,
    }
    chosen = request.args.get("participant", type=database_int)
    if chosen is not None:
        data[f"person_{chosen}"] = True
    return data


# ---------------------------------------------------------------------------------------------
# One voice


@bp.get(VOICE_URL)
def annotate(project_id: int, interview_id: int) -> Any:
    interview, role = load_in(db.session, current_user, Interview, interview_id, project_id)
    if interview.version is None:
        abort(404)
    voice_read.load_voices(db.session, [interview])  # a few statements, not one per relation
    voice_read.load_chart(db.session, interview.version)
    return voice_page(interview, role, PageState())


@bp.get(VOICE_URL + ".svg", defaults={"fmt": "svg"})
@bp.get(VOICE_URL + ".png", defaults={"fmt": "png"})
def download(project_id: int, interview_id: int, fmt: str) -> Response:
    interview, _ = load_in(db.session, current_user, Interview, interview_id, project_id)
    if interview.version is None:
        abort(404)
    chart, layer = chart_and_layer(interview)
    name = download_name(
        [
            interview.setting.project.title,
            interview.setting.code,
            f"round {interview.round.number}",
            f"{layer.role} {layer.person}",
            interview.held_on.isoformat(),
        ],
        fmt,
    )
    return chart_images.download(chart, fmt, name, voice_annotations(layer))


@bp.post(VOICE_URL + "/marks")
def mark(project_id: int, interview_id: int) -> Any:
    interview, role = _voice_for_recording(project_id, interview_id)
    form = MarkForm()
    step_id = form.step_id.data if isinstance(form.step_id.data, int) else None
    if not form.validate():
        message = next(iter(e for errors in form.errors.values() for e in errors))
        return refused(interview, role, PageState(400, (step_id or 0, message)))
    try:
        voices.set_mark(
            db.session,
            acting_user(),
            interview,
            form.step_id.data,
            form.mark.data or "",
            form.revision.data,
        )
    except StaleEditError as error:
        db.session.rollback()
        message = f"{error} Here is the mark saved now; choose again if it should change."
        return refused(interview, role, PageState(409, (form.step_id.data, message)))
    except DomainError as error:
        return refused(interview, role, PageState(400, (form.step_id.data, str(error))))
    if not is_live():
        return redirect(_voice_url(interview, f"voice-step-{form.step_id.data}"), 303)
    page = page_context(interview, role, PageState())
    key = str(form.step_id.data)
    number = page["numbers"][key]
    chosen = Mark(form.mark.data) if form.mark.data else None
    said = (
        f"{chosen.symbol} {chosen.label} saved for {number}"
        if chosen
        else (f"Mark cleared for {number}: not discussed")
    )
    return live(page, "figure", [f"state:{key}", "undo"], said)


@bp.post(VOICE_URL + "/notes")
def note(project_id: int, interview_id: int) -> Any:
    interview, role = _voice_for_recording(project_id, interview_id)
    form = NoteForm()
    if form.validate():
        try:
            saved = voices.add_note(
                db.session,
                acting_user(),
                interview,
                form.text.data or "",
                form.verbatim.data,
                step_id=form.step_id.data,
                link_id=form.link_id.data,
            )
        except DomainError as error:
            form.text.errors = [*form.text.errors, str(error)]
        else:
            if not is_live():
                flash(f"Note {saved.number} is saved.", "success")
                anchor = f"voice-step-{saved.step_id}" if saved.step_id else f"note-{saved.number}"
                return redirect(_voice_url(interview, anchor), 303)
            page = page_context(interview, role, PageState())
            if saved.step_id is None:
                return live(page, "figure", ["notes", "undo"], f"Note {saved.number} saved")
            key = str(saved.step_id)
            said = f"Note {saved.number} saved on {page['numbers'][key]}"
            return live(page, "figure", [f"step_notes:{key}", "notes", "undo"], said)
    return refused(interview, role, PageState(400, note=form))


@bp.post(VOICE_URL + "/arrows")
def arrow(project_id: int, interview_id: int) -> Any:
    interview, role = _voice_for_recording(project_id, interview_id)
    form = arrow_form(_step_choices(interview))
    if form.validate():
        try:
            voices.add_voice_link(
                db.session,
                acting_user(),
                interview,
                form.source_id.data,
                form.target_id.data,
                form.note.data or "",
                form.verbatim.data,
            )
        except DomainError as error:
            form.form_errors.append(str(error))
        else:
            if not is_live():
                flash("The new arrow is saved.", "success")
                return redirect(_voice_url(interview, "new-arrows"), 303)
            page = page_context(interview, role, PageState())
            numbers = page["numbers"]
            source, target = str(form.source_id.data), str(form.target_id.data)
            newest = max(ln.number for ln in page["layer"].links)
            said = f"Arrow {newest} saved: {numbers[source]} → {numbers[target]}"
            return live(page, "figure", ["arrows", "arrow_form", "undo"], said)
    return refused(interview, role, PageState(400, arrow=form))


@bp.post(VOICE_URL + "/steps")
def add_step(project_id: int, interview_id: int) -> Any:
    interview, role = _voice_for_recording(project_id, interview_id)
    form = voice_step_form(interview.setting.project.groups)
    if form.validate():
        try:
            step = voices.add_voice_step(
                db.session,
                acting_user(),
                interview,
                voices.VoiceStepFields(form.theme.data or "", form.group_id.data, form.text.data),
            )
        except DomainError as error:
            form.form_errors.append(str(error))
        else:
            if not is_live():
                flash("The new step is saved, marked as added at this interview.", "success")
                return redirect(_voice_url(interview, f"voice-step-{step.id}"), 303)
            page = page_context(interview, role, PageState())
            said = f"Step {page['numbers'][str(step.id)]} added at this interview"
            return live(page, "figure", [*RENUMBERED, "new_step"], said)
    return refused(interview, role, PageState(400, new_step=form))


@bp.post(VOICE_URL + "/undo")
def undo(project_id: int, interview_id: int) -> Response:
    interview, role = _voice_for_recording(project_id, interview_id)
    last = voices.last_action(db.session, interview)
    kind = last.kind if last else None
    # The button names the action it undoes ("none": there was nothing); another tab or window
    # may have acted since. A form without the field (a page from before it) undoes the last.
    expected = request.form.get("expected")
    if last is not None and expected is not None and expected != str(last.id):
        said = (
            f"Not undone: the last change is now “{last.description}”, made in another tab or "
            "window. This page now shows it: press Undo again to undo it."
        )
        if not is_live():
            flash(said, "error")
            return redirect(_voice_url(interview), 303)
        # Everything the other tab may have changed: steps, arrows, notes and the Undo button.
        return live(page_context(interview, role, PageState()), "figure", RENUMBERED, said)
    undone = voices.undo_last(db.session, acting_user(), interview)
    said = f"Undone: {undone}." if undone else "There was nothing to undo."
    if not is_live():
        flash(said, "success")
        return redirect(_voice_url(interview), 303)
    page = page_context(interview, role, PageState())
    if kind == "step":  # a step went: the reading numbers after it may have changed
        return live(page, "figure", RENUMBERED, said)
    keys = [s.key for s in page["steps"]]
    every_step = [f"state:{k}" for k in keys] + [f"step_notes:{k}" for k in keys]
    return live(page, "figure", [*every_step, "arrows", "notes", "undo"], said)


@bp.route(VOICE_URL + "/notes/<int:note_number>/edit", methods=["GET", "POST"])
def edit_note(project_id: int, interview_id: int, note_number: int) -> Any:
    """Edit one of this voice's notes, named by its number as everyone sees it."""
    interview, _ = _voice_for_recording(project_id, interview_id)
    saved = next((n for n in interview.notes if n.number == note_number), None)
    if saved is None:
        abort(404)
    form = NoteEditForm(
        data={"text": saved.text, "verbatim": saved.verbatim, "revision": saved.revision}
    )
    stale = False
    if form.validate_on_submit():
        try:
            voices.edit_note(
                db.session,
                acting_user(),
                saved,
                form.text.data or "",
                form.verbatim.data,
                form.revision.data or 0,
            )
        except StaleEditError:
            # Keep what was typed; show what is saved now; the next save replaces it on purpose.
            db.session.rollback()
            saved = next(n for n in interview.notes if n.number == note_number)
            form.revision.data = saved.revision
            stale = True
        except DomainError as error:
            form.text.errors = [*form.text.errors, str(error)]
        else:
            flash(f"Note {saved.number} is saved.", "success")
            return redirect(_voice_url(interview, f"note-{saved.number}"), 303)
    status = 409 if stale else 400 if form.is_submitted() else 200
    return render_template(
        "voices/edit_note.html",
        interview=interview,
        note=saved,
        form=form,
        stale=stale,
        title=interview_title(interview),
        trail=study_trail(interview.setting.project, interview.setting),
    ), status


def _voice_for_recording(project_id: int, interview_id: int) -> tuple[Interview, Role]:
    interview, role = load_in(
        db.session, current_user, Interview, interview_id, project_id, Role.INTERVIEWER
    )
    if interview.version is None:
        abort(404)
    return interview, role


def _voice_url(interview: Interview, anchor: str | None = None) -> str:
    return url_for(
        "voices.annotate",
        project_id=interview.setting.project_id,
        interview_id=interview.id,
        _anchor=anchor,
    )


def _step_choices(interview: Interview) -> list[tuple[int, str, str]]:
    chart, _ = chart_and_layer(interview)
    numbers = step_numbers(chart)
    return [
        (int(s.key), numbers[s.key], s.text)
        for s in ordered_steps(chart.steps, chart.lane_groups())
    ]
