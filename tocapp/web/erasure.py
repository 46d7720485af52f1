"""Deleting a study: the owner reads what will go, types the study's title, and it is gone —
rows, built reports and cached drawings — leaving one line in the system's audit trail."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from tocapp.domain.errors import DomainError
from tocapp.extensions import db
from tocapp.models import Project, Role
from tocapp.services.access import load
from tocapp.services.erasure import delete_study, study_size
from tocapp.web.acting import acting_user
from tocapp.web.forms.base import Form

bp = Blueprint("erasure", __name__)


class DeleteStudyForm(Form):
    title = StringField(
        "Type the study's title to confirm",
        validators=[DataRequired("Type the study's title to confirm."), Length(max=400)],
    )


@bp.route("/studies/<int:project_id>/delete", methods=["GET", "POST"])
def delete(project_id: int) -> str | Response | tuple[str, int]:
    project, _ = load(db.session, current_user, Project, project_id, Role.OWNER)
    form = DeleteStudyForm()
    if form.validate_on_submit():
        title = project.title
        try:
            delete_study(
                db.session,
                acting_user(),
                project,
                form.title.data or "",
                reports_dir=current_app.config["REPORTS_DIR"],
                render_cache_dir=current_app.config["RENDER_CACHE_DIR"],
            )
        except DomainError as error:
            form.title.errors = [*form.title.errors, str(error)]
        else:
            flash(f"The study “{title}” and everything in it have been deleted.", "success")
            return redirect(url_for("studies.index"), 303)
    page = render_template(
        "studies/delete.html", project=project, form=form, size=study_size(db.session, project)
    )
    return (page, 400) if form.is_submitted() else page
