"""The interview form: fixed details, then a tick and a role label per participant and a notes box
per question. Participants and questions differ per setting and schedule, so the form class is
built for each request (the usual WTForms way of adding fields at run time)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import uuid4

from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields import DateField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from tocapp.domain.people import Perspective
from tocapp.domain.schedules import ScheduleQuestion
from tocapp.models import INTERVIEW_MODES, Participant, Project
from tocapp.services.interviews import (
    MAX_INTERVIEWER,
    MAX_NOTES,
    MAX_ROLE_LABEL,
    InterviewFields,
)
from tocapp.web.forms.base import Form

MODE_CHOICES = [SelectChoice(mode, mode.capitalize()) for mode in INTERVIEW_MODES]


class InterviewForm(Form):
    round_id = SelectField("Round", coerce=int)
    held_on = DateField(
        "Date of the interview",
        validators=[InputRequired(message="Enter the date of the interview.")],
    )
    mode = RadioField(
        "How the interview was held",
        choices=MODE_CHOICES,
        validators=[InputRequired(message="Choose face-to-face, telephone or video.")],
    )
    interviewer = StringField("Interviewer", validators=[Length(max=MAX_INTERVIEWER)])
    # A new form's token: saving the same form twice finds the first interview.
    form_token = HiddenField(default=lambda: uuid4().hex)
    # An edit form's edit_token: tells whether someone saved the interview since it was opened.
    opened = HiddenField()
    schedule = HiddenField()

    participants: Sequence[Participant] = ()
    questions: Sequence[ScheduleQuestion] = ()

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if not self.chosen_people():
            self.form_errors.append("Choose at least one participant.")
            valid = False
        return valid

    def person(self, participant: Participant) -> BooleanField:
        return self[f"person_{participant.id}"]

    def role(self, participant: Participant) -> StringField:
        return self[f"role_{participant.id}"]

    def perspective(self, participant: Participant) -> SelectField:
        return self[f"perspective_{participant.id}"]

    def blocked(self, participant: Participant) -> str:
        """Why this person cannot be ticked, said plainly; "" if they can (or already were)."""
        if self.person(participant).data:
            return ""
        if participant.withdrawn_on is not None:
            return "Withdrew from the study: cannot be interviewed."
        if not participant.consent_participate:
            return "Has not consented to take part, so cannot be interviewed."
        if participant.perspective == Perspective.NOT_INTERVIEWED:
            return "Marked as not interviewed (change this on their participant page)."
        return ""

    def notes_box(self, question: ScheduleQuestion) -> TextAreaField:
        return self[f"notes_{question.number}"]

    def chosen_people(self) -> list[tuple[int, str]]:
        return [(p.id, self.role(p).data or "") for p in self.participants if self.person(p).data]

    def perspectives(self) -> dict[int, str]:
        return {
            p.id: self.perspective(p).data or "" for p in self.participants if self.person(p).data
        }

    def notes(self) -> dict[int, str]:
        return {q.number: self.notes_box(q).data or "" for q in self.questions}

    def interview_fields(self, schedule_id: int | None) -> InterviewFields:
        return InterviewFields(
            round_id=self.round_id.data,
            held_on=self.held_on.data,
            mode=self.mode.data or "",
            interviewer=self.interviewer.data or "",
            schedule_id=schedule_id,
            people=self.chosen_people(),
            notes=self.notes(),
            form_token=self.form_token.data or None,
            perspectives=self.perspectives(),
        )


def interview_form(
    project: Project,
    participants: Sequence[Participant],
    questions: Sequence[ScheduleQuestion],
    data: dict[str, Any] | None = None,
) -> InterviewForm:
    """An interview form for these participants and questions; ``data`` fills a new page."""

    class _Form(InterviewForm):
        pass

    for participant in participants:
        setattr(_Form, f"person_{participant.id}", BooleanField(participant.label))
        setattr(
            _Form,
            f"role_{participant.id}",
            StringField(
                "Role label at the time",
                default=participant.role_label,
                validators=[Length(max=MAX_ROLE_LABEL)],
            ),
        )
        setattr(
            _Form,
            f"perspective_{participant.id}",
            SelectField(
                "Spoke from",
                choices=[
                    SelectChoice(p.value, p.label)
                    for p in (Perspective.LEADERSHIP, Perspective.PRACTICE)
                ],
                default=participant.perspective
                if participant.perspective != Perspective.NOT_INTERVIEWED
                else Perspective.PRACTICE.value,
            ),
        )
    for question in questions:
        setattr(
            _Form,
            f"notes_{question.number}",
            TextAreaField(
                question.text,
                validators=[Length(max=MAX_NOTES)],
                # No maxlength: a browser would silently cut a long paste; the server says so.
                render_kw={"rows": 6, "maxlength": False, "dir": "auto"},
            ),
        )
    form = _Form(data=data or {})
    form.participants = participants
    form.questions = questions
    form.round_id.choices = [
        SelectChoice(str(r.id), f"Round {r.number} · {r.title}") for r in project.rounds
    ]
    return form
