"""Settings (schools, nurseries, colleges): adding one, its page, and editing it.

Only owners add or edit settings; every member may read a setting's page, where real names
appear only for roles that may see them.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from tocapp.domain.errors import DomainError
from tocapp.extensions import db
from tocapp.models import Project, Role, Setting
from tocapp.services import studies
from tocapp.services.access import load_in
from tocapp.services.listings import load_setting_page
from tocapp.services.withdrawals import counted, withdrawals_of
from tocapp.web.acting import acting_user
from tocapp.web.forms import form_page, show_refusal
from tocapp.web.forms.study_forms import SettingForm

bp = Blueprint("settings", __name__)

Page = str | Response | tuple[str, int]


@bp.route("/studies/<int:project_id>/settings/new", methods=["GET", "POST"])
def new(project_id: int) -> Page:
    project, role = load_in(db.session, current_user, Project, project_id, project_id, Role.OWNER)
    form = SettingForm()
    if form.validate_on_submit():
        try:
            setting = studies.add_setting(db.session, acting_user(), project, form.setting_fields())
        except DomainError as error:
            show_refusal(form, error)
        else:
            flash(f"The setting “{setting.name}” has been added.", "success")
            return redirect(url_for("settings.show", project_id=project.id, setting_id=setting.id))
    return form_page("settings/new.html", form, project=project, role=role)


@bp.get("/studies/<int:project_id>/settings/<int:setting_id>")
def show(project_id: int, setting_id: int) -> str:
    setting, role = load_in(db.session, current_user, Setting, setting_id, project_id)
    load_setting_page(db.session, setting)
    withdrawn = [
        w for w in withdrawals_of(db.session, project_id) if w.setting_code == setting.code
    ]
    return render_template(
        "settings/show.html",
        setting=setting,
        project=setting.project,
        role=role,
        withdrawals=withdrawn,
        counted=counted,
    )


@bp.route("/studies/<int:project_id>/settings/<int:setting_id>/edit", methods=["GET", "POST"])
def edit(project_id: int, setting_id: int) -> Page:
    setting, role = load_in(db.session, current_user, Setting, setting_id, project_id, Role.OWNER)
    form = SettingForm(obj=setting)
    if form.validate_on_submit():
        try:
            studies.update_setting(db.session, acting_user(), setting, form.setting_fields())
        except DomainError as error:
            show_refusal(form, error)
        else:
            flash(f"The setting “{setting.name}” has been saved.", "success")
            return redirect(url_for("settings.show", project_id=project_id, setting_id=setting.id))
    return form_page(
        "settings/edit.html", form, setting=setting, project=setting.project, role=role
    )
