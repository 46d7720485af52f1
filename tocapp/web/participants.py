"""Participants of a setting: adding one and editing their details and consent.

Interviewers as well as owners may add and edit participants: interviewers are the ones who meet
people and take their consent, and they may already see real names (Role.can_see_real_names).
Viewers only read the setting's page, where real names are hidden from them.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from tocapp.domain.errors import DomainError
from tocapp.extensions import db
from tocapp.models import Participant, Role, Setting
from tocapp.services import participants
from tocapp.services.access import load_in
from tocapp.web.acting import acting_user
from tocapp.web.forms import form_page, show_refusal
from tocapp.web.forms.study_forms import ParticipantForm

bp = Blueprint("participants", __name__)

Page = str | Response | tuple[str, int]


@bp.route(
    "/studies/<int:project_id>/settings/<int:setting_id>/participants/new", methods=["GET", "POST"]
)
def new(project_id: int, setting_id: int) -> Page:
    setting, role = load_in(
        db.session, current_user, Setting, setting_id, project_id, Role.INTERVIEWER
    )
    form = ParticipantForm()
    if form.validate_on_submit():
        try:
            person = participants.add_participant(
                db.session, acting_user(), setting, form.participant_fields()
            )
        except DomainError as error:
            show_refusal(form, error)
        else:
            flash(f"{person.label} has been added to {setting.name}.", "success")
            return redirect(url_for("settings.show", project_id=project_id, setting_id=setting.id))
    return form_page(
        "participants/new.html", form, setting=setting, project=setting.project, role=role
    )


@bp.route(
    "/studies/<int:project_id>/participants/<int:participant_id>/edit", methods=["GET", "POST"]
)
def edit(project_id: int, participant_id: int) -> Page:
    person, role = load_in(
        db.session, current_user, Participant, participant_id, project_id, Role.INTERVIEWER
    )
    form = ParticipantForm(obj=person)
    if form.validate_on_submit():
        try:
            participants.update_participant(
                db.session,
                acting_user(),
                person,
                form.participant_fields(),
                render_cache_dir=current_app.config["RENDER_CACHE_DIR"],
            )
        except DomainError as error:
            show_refusal(form, error)
        else:
            flash(f"{person.label}'s details have been saved.", "success")
            return redirect(
                url_for("settings.show", project_id=project_id, setting_id=person.setting_id)
            )
    return form_page(
        "participants/edit.html",
        form,
        participant=person,
        setting=person.setting,
        project=person.setting.project,
        role=role,
    )
