"""A setting's flowchart: the mapping editor, the drawn chart and its downloads.

Mapping works without JavaScript: every change is a small POST form that redirects back to the
map at the changed cell; a refused change re-renders the map with what was typed (status 400).
With JavaScript, htmx sends the same requests (header ``HX-Request``) and each view answers with
the editor fragment instead (``web/map_editor.py``): the same forms, errors and words, a message
for the page's live region and the element to focus next, and no flash left for a later page.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from tocapp.domain.errors import DomainError
from tocapp.domain.filenames import download_name
from tocapp.domain.theory import Theme
from tocapp.extensions import db
from tocapp.models import FlowchartVersion, Link, Setting, Step
from tocapp.models.users import Role
from tocapp.services import flowcharts as charts
from tocapp.services import versions
from tocapp.services.access import load_in
from tocapp.services.interviews import mapping_interviews
from tocapp.web import chart_images, database_int
from tocapp.web.acting import acting_user
from tocapp.web.conditional_page import not_modified, page_etag, with_etag
from tocapp.web.flowchart_body import flowchart_body, page_key, page_with_body
from tocapp.web.forms.flowchart_forms import link_form, step_form
from tocapp.web.interviews import study_trail
from tocapp.web.map_editor import arrows_of, editor, is_htmx, map_page, reading_numbers

bp = Blueprint("flowcharts", __name__)

SETTING_URL = "/studies/<int:project_id>/settings/<int:setting_id>/flowchart"
STEP_URL = "/studies/<int:project_id>/steps/<int:step_id>"


@bp.get(SETTING_URL)
def show(project_id: int, setting_id: int) -> Response:
    """The drawn chart and its text version: the latest version, or ``?version=<number>``."""
    setting, role = load_in(db.session, current_user, Setting, setting_id, project_id)
    number = request.args.get("version", type=database_int)
    if "version" in request.args and number is None:
        abort(404)
    key = page_key(db.session, setting, number, role.can_record)
    etag = page_etag(key)
    unchanged = not_modified(etag)
    if unchanged is not None:
        return unchanged
    kept = flowchart_body(db.session, setting, number, role.can_record, key)
    response = page_with_body("flowcharts/show.html", kept, setting=setting)
    return with_etag(response, etag) if kept.kept else response


@bp.get(SETTING_URL + ".svg", defaults={"fmt": "svg"})
@bp.get(SETTING_URL + ".png", defaults={"fmt": "png"})
def download(project_id: int, setting_id: int, fmt: str) -> Response:
    """A version (the latest, or ``?version=<number>``) as an image file, named after the study,
    setting and version."""
    setting, _ = load_in(db.session, current_user, Setting, setting_id, project_id)
    version = _chosen_version(setting)
    if version is None:
        abort(404)
    name = download_name([setting.project.title, setting.code, f"flowchart v{version.number}"], fmt)
    return chart_images.download(charts.to_domain(version), fmt, name)


@bp.post(SETTING_URL + "/versions")
def start_version(project_id: int, setting_id: int) -> Response:
    """Start the next version from a frozen one: the map changes there, while the frozen version
    (and every annotation made on it) stays exactly as the interviewees saw it."""
    setting, _ = load_in(
        db.session, current_user, Setting, setting_id, project_id, Role.INTERVIEWER
    )
    before = charts.latest_version(db.session, setting)
    try:
        version = versions.start_next_version(db.session, acting_user(), setting)
    except DomainError as error:
        flash(str(error), "error")
        return _back_to_map(setting)
    except IntegrityError:
        # Two people pressed the button at once and the other one's version was saved first
        # (possible where transactions are not serialised, as on PostgreSQL): theirs is the one.
        db.session.rollback()
        flash("Someone else started the next version at the same moment; this is it.", "info")
        return _back_to_map(db.session.get(Setting, setting_id))
    if before is None or version is before:
        flash(f"Version {version.number} is not frozen, so you can change it here.", "info")
    else:
        flash(
            f"Version {version.number} is started as a copy of version {before.number}; "
            f"version {before.number} stays as it was shown.",
            "success",
        )
    return _back_to_map(setting)


@bp.get(SETTING_URL + "/map")
def map(project_id: int, setting_id: int) -> Any:  # noqa: A001  (the endpoint reads as a verb)
    setting, _ = load_in(
        db.session, current_user, Setting, setting_id, project_id, Role.INTERVIEWER
    )
    if is_htmx():  # "Cancel" of an inline edit or delete: the editor as it is
        step_id = request.args.get("step", type=database_int)
        return editor(setting, focus=f"#map-step-{step_id} .edit-link" if step_id else None)
    return map_page(setting)


@bp.post(SETTING_URL + "/steps")
def add_step(project_id: int, setting_id: int) -> Any:
    setting, _ = load_in(
        db.session, current_user, Setting, setting_id, project_id, Role.INTERVIEWER
    )
    form = step_form(setting.project.groups, mapping_interviews(setting))
    if form.validate_on_submit():
        try:
            version = charts.current_version(db.session, setting)
            step = charts.add_step(db.session, acting_user(), version, form.step_fields())
        except DomainError as error:
            _refuse(form, error)
        else:
            # The next step usually goes in the same cell: keep its theme and group.
            place = {"theme": step.theme, "group_id": step.group_id}
            message = (
                f"Step {_number(step)} is added ({Theme(step.theme).title}, {step.group.name})."
            )
            return _saved(setting, message, cell_anchor(step), "#text", place)
    return _map_oreditor(setting, add_form=form, focus="#text")


@bp.route(STEP_URL + "/edit", methods=["GET", "POST"])
def edit_step(project_id: int, step_id: int) -> Any:
    step = _load_leader_step(project_id, step_id)
    setting = step.version.setting
    # Inline on the map (htmx), the form's ids must not clash with the add form's.
    prefix = "edit" if is_htmx() else ""
    form = step_form(setting.project.groups, mapping_interviews(setting), step=step, prefix=prefix)
    if form.validate_on_submit():
        try:
            charts.update_step(db.session, acting_user(), step, form.step_fields())
        except DomainError as error:
            _refuse(form, error)
        else:
            focus = f"#map-step-{step.id} .edit-link"
            return _saved(setting, f"Step {_number(step)} is saved.", cell_anchor(step), focus)
    status = 400 if form.is_submitted() else 200
    if is_htmx():
        return editor(setting, editing=(step, form), focus="#edit-text", status=status)
    return render_template(
        "flowcharts/edit_step.html",
        step=step,
        setting=setting,
        form=form,
        number=reading_numbers(step.version).get(step.id, ""),
        interviews=mapping_interviews(setting),
        trail=study_trail(setting.project, setting),
    ), status


@bp.post(STEP_URL + "/move")
def move_step(project_id: int, step_id: int) -> Response:
    step = _load_leader_step(project_id, step_id)
    direction = {"up": -1, "down": 1}.get(request.form.get("direction", ""))
    if direction is None:
        abort(400)
    setting, was = step.version.setting, _number(step)
    try:
        charts.move_step(db.session, acting_user(), step, direction)
    except DomainError as error:
        return _not_saved(setting, str(error), cell_anchor(step))
    word, other = ("up", "down") if direction < 0 else ("down", "up")
    # Focus stays on the button pressed, or on its twin once the step reaches an end of its cell.
    item = f"#map-step-{step.id}"
    focus = f"{item} .move-{word}|{item} .move-{other}|{item} .edit-link"
    now = _number(step)
    message = f"Step {was} is moved {word}" + (f"; it is now {now}." if now != was else ".")
    return _saved(setting, message, cell_anchor(step), focus)


@bp.route(STEP_URL + "/delete", methods=["GET", "POST"])
def delete_step(project_id: int, step_id: int) -> Any:
    """GET asks for confirmation (no JavaScript needed); POST removes the step and its arrows."""
    step = _load_leader_step(project_id, step_id)
    setting, anchor = step.version.setting, cell_anchor(step)
    if request.method != "POST":  # GET, and the HEAD Flask answers with the same view
        if is_htmx():
            return editor(setting, deleting=step, focus=f"#map-step-{step.id} .confirm-delete")
        return render_template(
            "flowcharts/delete_step.html",
            step=step,
            setting=setting,
            number=reading_numbers(step.version),
            arrows=arrows_of(step),
            trail=study_trail(setting.project, setting),
        )
    number = _number(step)
    try:
        charts.delete_step(db.session, acting_user(), step)
    except DomainError as error:
        return _not_saved(setting, str(error), anchor)
    message = f"Step {number} and its arrows are removed."
    return _saved(setting, message, anchor, f"#{anchor} .add-here")


@bp.post(SETTING_URL + "/links")
def add_link(project_id: int, setting_id: int) -> Any:
    setting, _ = load_in(
        db.session, current_user, Setting, setting_id, project_id, Role.INTERVIEWER
    )
    version = charts.latest_version(db.session, setting)
    numbers = reading_numbers(version)
    form = link_form(version.steps if version else [], numbers)
    if form.validate_on_submit() and version is not None:
        try:
            charts.add_link(
                db.session,
                acting_user(),
                version,
                form.source_id.data,
                form.target_id.data,
                form.label.data or "",
            )
        except DomainError as error:
            _refuse(form, error, field="target_id")  # a loop or a repeat: the end to change
        else:
            ends = _ends(numbers, form.source_id.data, form.target_id.data)
            return _saved(setting, f"The arrow from {ends} is added.", "arrows", "#arrow-source_id")
    return _map_oreditor(setting, arrow_form=form, focus="#arrow-source_id")


@bp.post("/studies/<int:project_id>/links/<int:link_id>/delete")
def delete_link(project_id: int, link_id: int) -> Response:
    link, _ = load_in(db.session, current_user, Link, link_id, project_id, Role.INTERVIEWER)
    charts.require_leader_map(link)
    setting = link.version.setting
    numbers = reading_numbers(link.version)
    ends = _ends(numbers, link.source_step_id, link.target_step_id)
    try:
        charts.delete_link(db.session, acting_user(), link)
    except DomainError as error:
        return _not_saved(setting, str(error), "arrows")
    return _saved(setting, f"The arrow from {ends} is removed.", "arrows", "#arrows-heading")


def _load_leader_step(project_id: int, step_id: int) -> Step:
    """A step of the leader's map; a step a voice added at a return interview is not one (404)."""
    step, _ = load_in(db.session, current_user, Step, step_id, project_id, Role.INTERVIEWER)
    charts.require_leader_map(step)
    return step


def cell_anchor(step: Step) -> str:
    return f"cell-{step.theme}-{step.group_id}"


def _number(step: Step) -> str:
    return reading_numbers(step.version).get(step.id, "")


def _ends(numbers: dict[int, str], source_id: int, target_id: int) -> str:
    return f"{numbers.get(source_id, '?')} to {numbers.get(target_id, '?')}"


def _saved(
    setting: Setting,
    message: str,
    anchor: str,
    focus: str,
    add_data: dict[str, Any] | None = None,
) -> Response | Any:
    """After a change: the updated editor, its message for the live region and where focus goes
    (htmx); otherwise a flash and the redirect back to the changed cell, as without JavaScript."""
    if not is_htmx():
        flash(message, "success")
        return _back_to_map(setting, anchor)
    add_form = None
    if add_data:
        groups, interviews = setting.project.groups, mapping_interviews(setting)
        add_form = step_form(groups, interviews, data=add_data, fresh=True)
    return editor(setting, add_form=add_form, message=message, focus=focus)


def _not_saved(setting: Setting, message: str, anchor: str) -> Response | Any:
    """A refused move or delete: said in the live region (htmx), or flashed above the map."""
    if not is_htmx():
        flash(message, "error")
        return _back_to_map(setting, anchor)
    return editor(setting, message=message, error=True, status=400)


def _map_oreditor(setting: Setting, *, focus: str, **forms: Any) -> Any:
    """A refused form with what was typed: the editor (htmx) or the whole page, status 400."""
    if is_htmx():
        return editor(setting, focus=focus, status=400, **forms)
    return map_page(setting, status=400, **forms)


def _chosen_version(setting: Setting) -> FlowchartVersion | None:
    """The version named by ``?version=<number>``, else the latest; an unknown number is a 404."""
    if "version" not in request.args:
        return charts.latest_version(db.session, setting)
    number = request.args.get("version", type=database_int)
    if number is None:
        abort(404)
    return versions.version_numbered(db.session, setting, number)


def _refuse(form: Any, error: DomainError, field: str | None = None) -> None:
    """Say why a change was refused beside the field it is about (else at the top of the form),
    in the form that keeps the typing; and at the top of the page when the whole page reloads."""
    if not is_htmx():
        flash(str(error), "error")
    name = getattr(error, "field", None) or field
    if name is not None and name in form:
        form[name].errors = [*form[name].errors, str(error)]
    else:
        form.form_errors.append(str(error))


def _back_to_map(setting: Setting, anchor: str | None = None) -> Response:
    target = url_for(".map", project_id=setting.project_id, setting_id=setting.id, _anchor=anchor)
    return redirect(target, 303)
