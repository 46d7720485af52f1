"""Rounds of interviews: adding one (any number) and editing one. Only owners change rounds."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from tocapp.domain.errors import DomainError
from tocapp.extensions import db
from tocapp.models import Project, Role, Round
from tocapp.services import rounds
from tocapp.services.access import load_in
from tocapp.web.acting import acting_user
from tocapp.web.forms import form_page, show_refusal
from tocapp.web.forms.study_forms import RoundForm

bp = Blueprint("rounds", __name__)

Page = str | Response | tuple[str, int]


@bp.route("/studies/<int:project_id>/rounds/new", methods=["GET", "POST"])
def new(project_id: int) -> Page:
    project, role = load_in(db.session, current_user, Project, project_id, project_id, Role.OWNER)
    form = RoundForm(obj=rounds.next_round_defaults(project))
    if form.validate_on_submit():
        try:
            round_ = rounds.add_round(db.session, acting_user(), project, form.round_fields())
        except DomainError as error:
            show_refusal(form, error)
        else:
            flash(f"Round {round_.number}, “{round_.title}”, has been added.", "success")
            return redirect(url_for("studies.show", project_id=project.id, _anchor="rounds"))
    return form_page("rounds/new.html", form, project=project, role=role)


@bp.route("/studies/<int:project_id>/rounds/<int:round_id>/edit", methods=["GET", "POST"])
def edit(project_id: int, round_id: int) -> Page:
    round_, role = load_in(db.session, current_user, Round, round_id, project_id, Role.OWNER)
    form = RoundForm(obj=round_)
    if form.validate_on_submit():
        try:
            rounds.update_round(db.session, acting_user(), round_, form.round_fields())
        except DomainError as error:
            show_refusal(form, error)
        else:
            flash(f"Round {round_.number} has been saved.", "success")
            return redirect(url_for("studies.show", project_id=project_id, _anchor="rounds"))
    return form_page("rounds/edit.html", form, round=round_, project=round_.project, role=role)
