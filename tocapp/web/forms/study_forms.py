"""Forms for setting up a study: the study itself, members, schedules, settings,
participants and rounds. Length limits match the model columns."""

from __future__ import annotations

from datetime import date
from typing import Any

from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from tocapp.domain.people import DEFAULT_MIN_GROUP, Perspective
from tocapp.domain.theory import DEFAULT_GROUPS
from tocapp.models import Project
from tocapp.models.users import Role
from tocapp.services.participants import ParticipantFields
from tocapp.services.rounds import ROUND_KINDS, RoundFields
from tocapp.services.studies import MAX_GROUP_NAME, ProjectFields, SettingFields, parse_groups
from tocapp.web.forms.base import Form

LONG_TEXT = 5000
BAD_DATE = "Enter a real date, with day, month and year."


def _required(what: str) -> DataRequired:
    return DataRequired(message=f"Enter {what}.")


def _at_most(limit: int) -> Length:
    return Length(max=limit, message=f"Use at most {limit} characters.")


class StudyForm(Form):
    title = StringField("Title", validators=[_required("a title for the study"), _at_most(200)])
    focus = StringField("Focus", validators=[_at_most(200)])
    partner = StringField("Partner", validators=[_at_most(120)])
    intervention = TextAreaField(
        "Intervention", validators=[_at_most(LONG_TEXT)], render_kw={"rows": 4}
    )
    min_group_size = IntegerField(
        "Smallest group of staff shown to a setting's leadership",
        default=DEFAULT_MIN_GROUP,
        validators=[Optional(), NumberRange(min=2, max=50, message="Use a number from 2 to 50.")],
    )
    personal_data_until = DateField(
        "Delete personal data after", validators=[Optional()], format="%Y-%m-%d"
    )
    groups = TextAreaField(
        "Groups",
        default="\n".join(DEFAULT_GROUPS),
        render_kw={"rows": 4},
        validators=[_required("at least one group, for example Staff"), _at_most(2000)],
    )

    def validate_groups(self, field: TextAreaField) -> None:
        for name in parse_groups(field.data or ""):
            if len(name) > MAX_GROUP_NAME:
                raise ValidationError(
                    f"Each group name can be at most {MAX_GROUP_NAME} characters."
                )

    @classmethod
    def for_project(cls, project: Project) -> StudyForm:
        """The edit form filled from the study (``obj=`` would read ``project.groups`` objects)."""
        return cls(
            data={
                "title": project.title,
                "focus": project.focus,
                "partner": project.partner,
                "intervention": project.intervention,
                "min_group_size": project.min_group_size,
                "personal_data_until": project.personal_data_until,
                "groups": "\n".join(project.group_names),
            }
        )

    def project_fields(self) -> ProjectFields:
        return ProjectFields(
            title=self.title.data or "",
            focus=self.focus.data or "",
            partner=self.partner.data or "",
            intervention=self.intervention.data or "",
            min_group_size=self.min_group_size.data or DEFAULT_MIN_GROUP,
            personal_data_until=self.personal_data_until.data,
        )

    def group_names(self) -> list[str]:
        return parse_groups(self.groups.data or "")


class NewStudyForm(StudyForm):
    first_round_on = DateField(
        "Round 1 planned for",
        default=date.today,
        validators=[Optional()],
        invalid_value_message=BAD_DATE,
    )


ROLE_CHOICES = [
    SelectChoice(Role.OWNER.value, "Owner: manages the study, its settings, rounds and members"),
    SelectChoice(Role.INTERVIEWER.value, "Interviewer: records interviews and maps flowcharts"),
    SelectChoice(Role.VIEWER.value, "Viewer: reads the study, without real names"),
]


class MemberForm(Form):
    email = EmailField(
        "E-mail address of their account",
        validators=[_required("an e-mail address"), _at_most(254)],
    )
    role = SelectField("Role", choices=ROLE_CHOICES, default=Role.INTERVIEWER.value)


class ScheduleForm(Form):
    name = StringField("Name", validators=[_required("a name for the schedule"), _at_most(200)])
    description = TextAreaField("Description", validators=[_at_most(2000)])
    questions = TextAreaField(
        "Questions, one per line",
        validators=[_required("at least one question"), _at_most(20000)],
        render_kw={"rows": 8},
    )


class SettingForm(Form):
    name = StringField("Name", validators=[_required("the setting's name"), _at_most(200)])
    code = StringField(
        "Code",
        validators=[
            _required("a short code, for example NUR"),
            _at_most(12),
            Regexp(
                r"^\s*[A-Za-z0-9_-]+\s*$",
                message="Use letters, digits, - or _ only, for example NUR or S01.",
            ),
        ],
    )
    kind = StringField("Type", validators=[_at_most(200)])

    def setting_fields(self) -> SettingFields:
        return SettingFields(
            name=self.name.data or "", code=self.code.data or "", kind=self.kind.data or ""
        )


class ParticipantForm(Form):
    role_label = StringField(
        "Role label", validators=[_required("their role, for example Headteacher"), _at_most(120)]
    )
    # Said by the evaluator, never guessed: no default, so a new participant cannot slip through.
    perspective = RadioField(
        "Speaks from",
        choices=[SelectChoice(p.value, f"{p.label}: {p.explanation}") for p in Perspective],
        validators=[
            DataRequired(
                message="Say whether this person speaks for leadership or from practice, or is "
                "not interviewed."
            )
        ],
    )
    pseudonym = StringField("Pseudonym", validators=[_at_most(120)])
    real_name = StringField("Real name", validators=[_at_most(120)])
    email = EmailField("E-mail address", validators=[_at_most(254)])
    consent_participate = BooleanField("Consents to take part")
    consent_record = BooleanField("Consents to audio recording")
    consent_quote = BooleanField("Consents to anonymous quotation")
    consent_date = DateField(
        "Date consent was given", validators=[Optional()], invalid_value_message=BAD_DATE
    )

    def validate_consent_date(self, field: DateField) -> None:
        if field.data is not None and field.data > date.today():
            raise ValidationError("The consent date cannot be in the future.")

    def validate(self, extra_validators: Any = None) -> bool:
        """Consent given needs its date (checked here: Optional() stops a field's own chain)."""
        valid = bool(super().validate(extra_validators))
        given = self.consent_participate.data or self.consent_record.data or self.consent_quote.data
        if given and self.consent_date.data is None and not self.consent_date.errors:
            self.consent_date.errors = ["Give the date consent was given."]
            return False
        return valid

    def participant_fields(self) -> ParticipantFields:
        return ParticipantFields(
            role_label=self.role_label.data or "",
            perspective=self.perspective.data or "",
            pseudonym=self.pseudonym.data or "",
            real_name=self.real_name.data or "",
            email=self.email.data or "",
            consent_participate=bool(self.consent_participate.data),
            consent_record=bool(self.consent_record.data),
            consent_quote=bool(self.consent_quote.data),
            consent_date=self.consent_date.data,
        )


class RoundForm(Form):
    title = StringField("Title", validators=[_required("a title for the round"), _at_most(200)])
    kind = SelectField(
        "Kind",
        choices=[
            SelectChoice(
                "initial", f"{ROUND_KINDS['initial']}: leaders set out their theory of change"
            ),
            SelectChoice("return", f"{ROUND_KINDS['return']}: people reflect on the flowchart"),
        ],
        default="return",
    )
    planned_on = DateField("Planned for", validators=[Optional()], invalid_value_message=BAD_DATE)

    def round_fields(self) -> RoundFields:
        return RoundFields(
            title=self.title.data or "", kind=self.kind.data or "", planned_on=self.planned_on.data
        )
