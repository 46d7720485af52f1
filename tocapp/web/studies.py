"""Studies: the list, creating and editing one, its overview, members and interview schedules.

Only owners change a study, its members and its schedules; every member may read them.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from tocapp.domain.errors import DomainError
from tocapp.domain.schedules import fill_question
from tocapp.extensions import db
from tocapp.models import Project, Role
from tocapp.services import schedules, studies
from tocapp.services.access import load_in
from tocapp.services.erasure import personal_data_reminder
from tocapp.services.listings import participant_counts
from tocapp.web.acting import acting_user
from tocapp.web.forms import form_page, show_refusal
from tocapp.web.forms.study_forms import MemberForm, NewStudyForm, ScheduleForm, StudyForm

bp = Blueprint("studies", __name__)

Page = str | Response | tuple[str, int]
_A_ROLE = {"owner": "an owner", "interviewer": "an interviewer", "viewer": "a viewer"}


def _load(project_id: int, need: Role = Role.VIEWER) -> tuple[Project, Role]:
    return load_in(db.session, current_user, Project, project_id, project_id, need)


@bp.get("/")
def index() -> str:
    return render_template(
        "studies/index.html", studies=studies.studies_for(db.session, current_user)
    )


@bp.route("/studies/new", methods=["GET", "POST"])
def new() -> Page:
    form = NewStudyForm()
    if form.validate_on_submit():
        try:
            project = studies.create_project(
                db.session,
                current_user,
                form.project_fields(),
                form.group_names(),
                form.first_round_on.data,
            )
        except DomainError as error:
            show_refusal(form, error)
        else:
            flash(f"The study “{project.title}” has been created.", "success")
            return redirect(url_for("studies.show", project_id=project.id))
    return form_page("studies/new.html", form)


@bp.get("/studies/<int:project_id>")
def show(project_id: int) -> str:
    project, role = _load(project_id)
    due = personal_data_reminder(project) if role.can_manage_study else None
    return render_template(
        "studies/show.html",
        project=project,
        role=role,
        due=due,
        participant_counts=participant_counts(db.session, project),
    )


@bp.route("/studies/<int:project_id>/edit", methods=["GET", "POST"])
def edit(project_id: int) -> Page:
    project, role = _load(project_id, Role.OWNER)
    form = StudyForm.for_project(project)
    if form.validate_on_submit():
        try:
            studies.update_study(
                db.session, acting_user(), project, form.project_fields(), form.group_names()
            )
        except DomainError as error:
            show_refusal(form, error)
        else:
            flash("The study's details have been saved.", "success")
            return redirect(url_for("studies.show", project_id=project.id))
    return form_page("studies/edit.html", form, project=project, role=role)


@bp.route("/studies/<int:project_id>/members", methods=["GET", "POST"])
def members(project_id: int) -> Page:
    """Every member sees who is in the study; only an owner adds people or changes roles."""
    project, role = _load(project_id)
    form = MemberForm()
    if form.is_submitted():
        _load(project_id, Role.OWNER)  # 403 before anything is read from the form
    if form.validate_on_submit():
        try:
            studies.add_member(
                db.session, acting_user(), project, form.email.data or "", Role(form.role.data)
            )
        except DomainError as error:
            show_refusal(form, error)
        else:
            flash(f"{form.email.data} is now {_A_ROLE[form.role.data]} of this study.", "success")
            return redirect(url_for("studies.members", project_id=project.id))
    people = studies.members_of(db.session, project)
    return form_page("studies/members.html", form, project=project, role=role, members=people)


@bp.post("/studies/<int:project_id>/members/<int:user_id>/remove")
def remove_member(project_id: int, user_id: int) -> Page:
    project, _ = _load(project_id, Role.OWNER)
    try:
        user = studies.remove_member(db.session, acting_user(), project, user_id)
    except DomainError as error:
        flash(str(error), "error")
        return redirect(url_for("studies.members", project_id=project.id), 303)
    flash(f"{user.name} ({user.email}) is no longer a member of this study.", "success")
    return redirect(url_for("studies.members", project_id=project.id), 303)


@bp.get("/studies/<int:project_id>/schedules", endpoint="schedules")
def schedules_list(project_id: int) -> str:
    project, role = _load(project_id)
    found = schedules.schedules_for(db.session, project)
    return render_template(
        "studies/schedules.html",
        project=project,
        role=role,
        schedules=found,
        fill_question=fill_question,
    )


@bp.route("/studies/<int:project_id>/schedules/new", methods=["GET", "POST"])
def new_schedule(project_id: int) -> Page:
    project, role = _load(project_id, Role.OWNER)
    form = ScheduleForm()
    if form.validate_on_submit():
        try:
            schedules.add_schedule(
                db.session,
                acting_user(),
                project,
                form.name.data or "",
                form.description.data or "",
                schedules.parse_questions(form.questions.data or ""),
            )
        except DomainError as error:
            show_refusal(form, error)
        else:
            flash(f"The schedule “{form.name.data}” has been added.", "success")
            return redirect(url_for("studies.schedules", project_id=project.id))
    return form_page("studies/schedule_new.html", form, project=project, role=role)
