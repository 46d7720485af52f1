"""A participant withdraws: the owner records it, reads what will be removed, and confirms by
typing the participant's reference. Removing happens in one service call and one commit."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user

from tocapp.domain.errors import DomainError
from tocapp.extensions import db
from tocapp.models import Participant, Role
from tocapp.services.access import load_in
from tocapp.services.withdrawals import counted, plan_withdrawal, withdraw_participant
from tocapp.web.forms.withdrawal_forms import WithdrawalForm

bp = Blueprint("withdrawals", __name__)


@bp.route(
    "/studies/<int:project_id>/participants/<int:participant_id>/withdraw",
    methods=["GET", "POST"],
)
def withdraw(project_id: int, participant_id: int) -> Any:
    person, _ = load_in(
        db.session, current_user, Participant, participant_id, project_id, Role.OWNER
    )
    setting = person.setting
    form = WithdrawalForm()
    plan, problem = None, ""
    if form.validate_on_submit():
        try:
            plan = plan_withdrawal(db.session, person, form.request())
            if (form.confirm.data or "").strip().upper() == person.reference.upper():
                reference = person.reference
                record = withdraw_participant(
                    db.session,
                    current_user,
                    person,
                    form.request(),
                    reports_dir=current_app.config["REPORTS_DIR"],
                    render_cache_dir=current_app.config["RENDER_CACHE_DIR"],
                )
                flash(
                    f"{reference}'s withdrawal is recorded. {removed_text(record.removed)}",
                    "success",
                )
                return redirect(
                    url_for("settings.show", project_id=project_id, setting_id=setting.id), 303
                )
            if form.confirm.data:
                form.confirm.errors = [f"Type {person.reference} exactly to confirm."]
        except DomainError as error:
            problem = str(error)
    status = 400 if form.is_submitted() and (form.errors or problem) else 200
    return render_template(
        "participants/withdraw.html",
        form=form,
        participant=person,
        setting=setting,
        project=setting.project,
        plan=plan,
        problem=problem,
        counted=counted,
    ), status


def removed_text(removed: dict[str, int]) -> str:
    """ "Removed: 2 interviews, 5 marks, 3 notes." — counts only, never words."""
    parts = counted(removed)
    return f"Removed: {', '.join(parts)}." if parts else "Nothing they contributed was on record."
