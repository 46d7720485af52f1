"""Interviews: recording one with a schedule, reading it back, editing its notes."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from tocapp.domain.errors import DomainError
from tocapp.domain.schedules import THEORY_OF_CHANGE_KEY, ScheduleQuestion
from tocapp.extensions import db
from tocapp.models import Interview, Project, Schedule, Setting
from tocapp.models.users import Role
from tocapp.services.access import load_in
from tocapp.services.errors import StaleEditError
from tocapp.services.interviews import (
    edit_token,
    initial_round,
    interview_title,
    questions_as_asked,
    record_interview,
    update_interview,
)
from tocapp.services.schedules import schedules_for
from tocapp.services.voices import start_return_interview
from tocapp.web import database_int
from tocapp.web.acting import acting_user
from tocapp.web.forms.interview_forms import interview_form

bp = Blueprint("interviews", __name__)


@bp.route(
    "/studies/<int:project_id>/settings/<int:setting_id>/interviews/new", methods=["GET", "POST"]
)
def new(project_id: int, setting_id: int) -> Any:
    setting, _ = load_in(
        db.session, current_user, Setting, setting_id, project_id, Role.INTERVIEWER
    )
    schedules = schedules_for(db.session, setting.project)
    schedule = _chosen_schedule(schedules, request.values.get("schedule", type=database_int))
    questions = questions_as_asked(setting.project, schedule)
    form = interview_form(
        setting.project, setting.participants, questions, _new_defaults(setting, schedule)
    )
    if form.validate_on_submit():
        fields = form.interview_fields(schedule.id)
        returning = any(
            r.id == fields.round_id and r.kind != "initial" for r in setting.project.rounds
        )
        try:
            if returning:
                # A return interview shows the chart, so it freezes the version it shows.
                interview = start_return_interview(db.session, acting_user(), setting, fields)
            else:
                interview = record_interview(db.session, acting_user(), setting, fields)
        except DomainError as error:
            form.form_errors.append(str(error))
        else:
            flash("The interview is recorded.", "success")
            if returning:
                return redirect(
                    url_for("voices.annotate", project_id=project_id, interview_id=interview.id),
                    303,
                )
            return redirect(url_for(".show", project_id=project_id, interview_id=interview.id), 303)
    return render_template(
        "interviews/new.html",
        setting=setting,
        form=form,
        schedules=schedules,
        schedule=schedule,
        trail=study_trail(setting.project, setting),
    ), (400 if form.is_submitted() else 200)


@bp.get("/studies/<int:project_id>/interviews/<int:interview_id>")
def show(project_id: int, interview_id: int) -> str:
    interview, role = load_in(db.session, current_user, Interview, interview_id, project_id)
    return render_template(
        "interviews/show.html",
        interview=interview,
        title=interview_title(interview),
        role=role,
        trail=study_trail(interview.setting.project, interview.setting),
    )


@bp.route("/studies/<int:project_id>/interviews/<int:interview_id>/edit", methods=["GET", "POST"])
def edit(project_id: int, interview_id: int) -> Any:
    interview, _ = load_in(
        db.session, current_user, Interview, interview_id, project_id, Role.INTERVIEWER
    )
    setting = interview.setting
    form = interview_form(
        setting.project, setting.participants, asked_questions(interview), _edit_defaults(interview)
    )
    stale = False
    if form.validate_on_submit():
        try:
            update_interview(
                db.session,
                acting_user(),
                interview,
                form.interview_fields(None),
                opened=form.opened.data or "",
            )
        except StaleEditError:
            # Keep every word typed; the next save deliberately replaces what is saved now.
            stale = True
            form.opened.data = edit_token(interview)
        except DomainError as error:
            form.form_errors.append(str(error))
        else:
            flash("Your changes to the interview are saved.", "success")
            return redirect(url_for(".show", project_id=project_id, interview_id=interview.id), 303)
    status = 409 if stale else 400 if form.is_submitted() else 200
    return render_template(
        "interviews/edit.html",
        interview=interview,
        title=interview_title(interview),
        form=form,
        stale=stale,
        saved_notes={a.number: a.notes for a in interview.answers},
        trail=study_trail(setting.project, setting),
    ), status


def asked_questions(interview: Interview) -> list[ScheduleQuestion]:
    """The questions as they were asked in this interview (never the schedule's current text)."""
    return [ScheduleQuestion(a.number, a.question_text, a.stimulus) for a in interview.answers]


def _chosen_schedule(schedules: list[Schedule], wanted: int | None) -> Schedule:
    if wanted is not None:
        for schedule in schedules:
            if schedule.id == wanted:
                return schedule
        abort(404)
    for schedule in schedules:
        if schedule.key == THEORY_OF_CHANGE_KEY:
            return schedule
    return schedules[0]


def _new_defaults(setting: Setting, schedule: Schedule) -> dict[str, Any]:
    round_ = initial_round(setting.project)
    wanted_round = request.args.get("round", type=database_int)
    if wanted_round in {r.id for r in setting.project.rounds}:
        round_id = wanted_round
    else:
        round_id = round_.id if round_ else None
    data: dict[str, Any] = {
        "round_id": round_id,
        "held_on": date.today(),
        "mode": "face-to-face",
        "interviewer": current_user.name,
        "schedule": str(schedule.id),
    }
    chosen = request.args.get("participant", type=database_int)
    if chosen is not None:
        data[f"person_{chosen}"] = True
    return data


def _edit_defaults(interview: Interview) -> dict[str, Any]:
    data: dict[str, Any] = {
        "round_id": interview.round_id,
        "held_on": interview.held_on,
        "mode": interview.mode,
        "interviewer": interview.interviewer,
        "opened": edit_token(interview),
        "form_token": "",
    }
    for person in interview.people:
        data[f"person_{person.participant_id}"] = True
        data[f"role_{person.participant_id}"] = person.role_label
        data[f"perspective_{person.participant_id}"] = person.perspective
    for answer in interview.answers:
        data[f"notes_{answer.number}"] = answer.notes
    return data


def study_trail(project: Project, setting: Setting | None = None) -> list[tuple[str, str | None]]:
    """Breadcrumbs below "Studies" down to a setting, as (text, address), for studies/_macros."""
    trail: list[tuple[str, str | None]] = [
        (project.title, url_for("studies.show", project_id=project.id))
    ]
    if setting is not None:
        trail.append(
            (
                f"{setting.code} · {setting.name}",
                url_for("settings.show", project_id=project.id, setting_id=setting.id),
            )
        )
    return trail
