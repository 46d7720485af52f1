"""The form an owner fills in when a participant withdraws."""

from __future__ import annotations

from datetime import date
from typing import Any

from wtforms import DateField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Optional, ValidationError

from tocapp.services.withdrawals import (
    AFTER,
    EVERYTHING,
    KEEP_STEPS,
    REMOVE_STEPS,
    WithdrawalRequest,
)
from tocapp.web.forms.base import Form

BAD_DATE = "Enter a date, for example 2026-03-14."


class WithdrawalForm(Form):
    withdrawn_on = DateField(
        "Date they withdrew",
        validators=[InputRequired(message="Give the date they withdrew.")],
        invalid_value_message=BAD_DATE,
    )
    scope = RadioField(
        "What they asked for",
        choices=[
            SelectChoice(EVERYTHING, "Remove everything they contributed"),
            SelectChoice(AFTER, "Keep what they contributed before a date, remove the rest"),
        ],
        validators=[InputRequired(message="Choose what they asked for.")],
    )
    keep_before = DateField(
        "Keep what they contributed before",
        validators=[Optional()],
        invalid_value_message=BAD_DATE,
    )
    source_steps = RadioField(
        "Map steps that came from their round-1 answers",
        choices=[
            SelectChoice(
                KEEP_STEPS,
                "Keep the steps as the evaluator's own wording (the link to their answer and "
                "any quoted words are removed)",
            ),
            SelectChoice(REMOVE_STEPS, "Remove the steps from every version of the flowchart"),
        ],
        default=KEEP_STEPS,
        validators=[InputRequired(message="Choose what happens to those steps.")],
    )
    confirm = StringField("Type the participant's reference to confirm")

    def validate_withdrawn_on(self, field: DateField) -> None:
        if field.data is not None and field.data > date.today():
            raise ValidationError("The date they withdrew cannot be in the future.")

    def validate(self, extra_validators: Any = None) -> bool:
        valid = bool(super().validate(extra_validators))
        if self.scope.data == AFTER and self.keep_before.data is None:
            if not self.keep_before.errors:
                self.keep_before.errors = ["Give the date before which their words are kept."]
            return False
        return valid

    def request(self) -> WithdrawalRequest:
        assert self.withdrawn_on.data is not None
        return WithdrawalRequest(
            withdrawn_on=self.withdrawn_on.data,
            scope=self.scope.data or EVERYTHING,
            keep_before=self.keep_before.data if self.scope.data == AFTER else None,
            source_steps=self.source_steps.data or KEEP_STEPS,
        )
