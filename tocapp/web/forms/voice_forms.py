"""Forms a return interview is captured with: a mark, a note, an arrow, a step, a note edit.

Mark and note forms appear once per step, so their HTML is written in the template with ids of its
own; these classes only read and check what was posted.
"""

from __future__ import annotations

from collections.abc import Sequence

from wtforms import BooleanField, HiddenField, IntegerField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, Optional

from tocapp.domain.errors import STEP_NOT_SHOWN
from tocapp.domain.voices import Mark
from tocapp.models import ProjectGroup
from tocapp.web import MAX_DATABASE_ID
from tocapp.web.forms.base import Form
from tocapp.web.forms.flowchart_forms import StepPlaceForm, excerpt, optional_int

MARK_CHOICES = [SelectChoice(m.value, m.label) for m in Mark] + [SelectChoice("", "Not discussed")]


# A number no id or revision column holds: unknown like any other, not a database error.
STORED = NumberRange(0, MAX_DATABASE_ID, STEP_NOT_SHOWN)


class MarkForm(Form):
    step_id = IntegerField(validators=[InputRequired(message="Choose a step to mark."), STORED])
    mark = SelectField(
        choices=MARK_CHOICES,
        validate_choice=True,
        invalid_choice_message="A mark is achieved, partly achieved or elusive.",
    )
    revision = IntegerField(validators=[Optional(), STORED])


class NoteForm(Form):
    """A note on a step (step_id), on an arrow (link_id) or, with neither, on a new thread."""

    text = TextAreaField("Note", validators=[InputRequired(message="A note needs some text.")])
    verbatim = BooleanField("These are the interviewee's own words")
    step_id = HiddenField(filters=[optional_int])
    link_id = HiddenField(filters=[optional_int])


class NoteEditForm(Form):
    text = TextAreaField(
        "Note",
        validators=[InputRequired(message="A note needs some text.")],
        render_kw={"rows": 5, "dir": "auto"},
    )
    verbatim = BooleanField("These are the interviewee's own words")
    revision = HiddenField(filters=[optional_int])


class ArrowForm(Form):
    source_id = SelectField(
        "From the step", coerce=int, invalid_choice_message="Choose a step on this flowchart."
    )
    target_id = SelectField(
        "To the step", coerce=int, invalid_choice_message="Choose a step on this flowchart."
    )
    note = TextAreaField("Why do they connect? (optional)", render_kw={"rows": 3, "dir": "auto"})
    verbatim = BooleanField("These are the interviewee's own words")


class VoiceStepForm(StepPlaceForm):
    """A step "added at the return interview": theme, group and text, no source answer."""


def arrow_form(
    steps: Sequence[tuple[int, str, str]], data: dict[str, object] | None = None
) -> ArrowForm:
    """Steps are (id, reading number, text); both ends choose among them."""
    form = ArrowForm(prefix="arrow", data=data or {})
    choices = [SelectChoice(str(i), f"{number} · {excerpt(text)}") for i, number, text in steps]
    form.source_id.choices = choices
    form.target_id.choices = list(choices)
    return form


def voice_step_form(groups: Sequence[ProjectGroup]) -> VoiceStepForm:
    form = VoiceStepForm(prefix="newstep")
    form.group_id.choices = [SelectChoice(str(g.id), g.name) for g in groups]
    return form
