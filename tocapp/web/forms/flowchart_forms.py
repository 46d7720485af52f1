"""Forms for mapping: a step (theme, group, text, source answer and quote) and an arrow."""

from __future__ import annotations

from collections.abc import Sequence

from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from tocapp.domain.theory import MAX_LINK_LABEL, Theme
from tocapp.models import Interview, ProjectGroup, Step
from tocapp.services.flowcharts import StepFields
from tocapp.services.interviews import interview_title
from tocapp.web import database_int
from tocapp.web.forms.base import Form

NO_SOURCE = ""
EXCERPT = 60


def optional_int(value: object) -> int | None:
    """Coerce a select's value to an id, with the empty choice meaning none (a number no id
    column holds is a ValueError, so the field is invalid)."""
    if value is None or value == "" or value == "None":
        return None
    return database_int(value)


def excerpt(text: str, width: int = EXCERPT) -> str:
    """A one-line start of a text for a select option."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1].rstrip() + "…"


class StepPlaceForm(Form):
    """Where a step goes and what it says: the part a voice's new step shares with the map's."""

    theme = SelectField(
        "Theme",
        choices=[SelectChoice(theme.value, theme.title) for theme in Theme],
        invalid_choice_message="Choose a theme: starting situation, strands of action or "
        "intended outcomes.",
    )
    group_id = SelectField(
        "Group", coerce=int, invalid_choice_message="Choose one of this study's groups."
    )
    # No length validator here: the service counts the tidied text and says how long it is.
    text = TextAreaField(
        "What the step says",
        validators=[InputRequired(message="A step needs some text.")],
        render_kw={"rows": 3, "dir": "auto"},
    )


class StepForm(StepPlaceForm):
    source_answer_id = SelectField(
        "Comes from the answer to",
        coerce=optional_int,
        invalid_choice_message="Choose an answer from this setting's round-1 interviews.",
    )
    source_quote = TextAreaField(
        "Exact words quoted (optional)", render_kw={"rows": 2, "dir": "auto"}
    )

    def step_fields(self) -> StepFields:
        return StepFields(
            theme=self.theme.data or "",
            group_id=self.group_id.data,
            text=self.text.data or "",
            source_answer_id=self.source_answer_id.data,
            source_quote=self.source_quote.data or "",
        )


def step_form(
    groups: Sequence[ProjectGroup],
    interviews: Sequence[Interview],
    step: Step | None = None,
    data: dict[str, object] | None = None,
    prefix: str = "",
    fresh: bool = False,
) -> StepForm:
    """A step form whose groups and source answers are this study's and this setting's.

    ``prefix`` keeps an inline edit form's ids apart from the add form's on the same page.
    ``fresh``: filled from ``data`` only, never from the request being answered (after a step
    is added, or after another form's save, its box must not hold that request's words).
    """
    form = StepForm(obj=step, data=data or {}, prefix=prefix)
    if fresh:
        form.process(formdata=None, obj=step, data=data or {})
    form.group_id.choices = [SelectChoice(str(g.id), g.name) for g in groups]
    form.source_answer_id.choices = source_choices(interviews, step)
    return form


def source_choices(interviews: Sequence[Interview], step: Step | None) -> list[SelectChoice]:
    """Answers grouped by interview; a step's current source stays choosable."""
    choices = [SelectChoice(NO_SOURCE, "No particular answer")]
    seen: set[int] = set()
    for interview in interviews:
        group = interview_title(interview)
        for answer in interview.answers:
            seen.add(answer.id)
            label = f"Q{answer.number} · {excerpt(answer.question_text)}"
            choices.append(SelectChoice(str(answer.id), label, optgroup=group))
    if step is not None and step.source_answer is not None and step.source_answer.id not in seen:
        answer = step.source_answer
        choices.append(
            SelectChoice(
                str(answer.id),
                f"Q{answer.number} · {excerpt(answer.question_text)}",
                optgroup=interview_title(answer.interview),
            )
        )
    return choices


class LinkForm(Form):
    source_id = SelectField(
        "From step", coerce=int, invalid_choice_message="Choose a step of this flowchart."
    )
    target_id = SelectField(
        "To step", coerce=int, invalid_choice_message="Choose a step of this flowchart."
    )
    label = StringField("Label on the arrow (optional)", validators=[Length(max=MAX_LINK_LABEL)])


def link_form(steps: Sequence[Step], numbers: dict[int, str], fresh: bool = False) -> LinkForm:
    """An arrow form whose ends are the version's steps, labelled with their reading numbers.

    Prefixed, so its fields never share an id with the step form on the same page. ``fresh``:
    not filled from the request being answered (another form's, or this one's once saved).
    """
    form = LinkForm(prefix="arrow")
    if fresh:
        form.process(formdata=None)
    ordered = sorted(steps, key=lambda s: _reading_order(numbers.get(s.id, "")))
    choices = [
        SelectChoice(str(s.id), f"{numbers.get(s.id, '?')} · {excerpt(s.text)}") for s in ordered
    ]
    form.source_id.choices = choices
    form.target_id.choices = list(choices)
    if (fresh or not form.is_submitted()) and len(choices) > 1:
        # Not S1 → S1, which could only be refused: the form starts at the first two steps.
        form.source_id.data = int(choices[0].value)
        form.target_id.data = int(choices[1].value)
    return form


def _reading_order(number: str) -> tuple[int, int]:
    prefix = {"S": 0, "A": 1, "O": 2}
    digits = number[1:]
    return (prefix.get(number[:1], 3), int(digits) if digits.isdigit() else 0)
