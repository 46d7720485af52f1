"""Mapping interview notes into a setting's flowchart: steps, their order, and arrows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tocapp.domain.errors import DomainError
from tocapp.domain.theory import (
    MAX_LINK_LABEL,
    MAX_STEP_TEXT,
    Flowchart,
    StepSource,
    Theme,
    check_new_link,
)
from tocapp.domain.theory import Link as DomainLink
from tocapp.domain.theory import Step as DomainStep
from tocapp.models import Answer, FlowchartVersion, Link, ProjectGroup, Setting, Step
from tocapp.services import audit
from tocapp.services.audit import Actor
from tocapp.services.errors import FieldError, NotFoundError


def latest_version(session: Session, setting: Setting) -> FlowchartVersion | None:
    """The setting's newest flowchart version, or None before anything is mapped (never creates)."""
    return session.scalar(
        select(FlowchartVersion)
        .where(FlowchartVersion.setting_id == setting.id)
        .order_by(FlowchartVersion.number.desc())
        .limit(1)
    )


def current_version(session: Session, setting: Setting) -> FlowchartVersion:
    """The setting's newest flowchart version, creating version 1 on first use."""
    version = latest_version(session, setting)
    if version is None:
        version = FlowchartVersion(setting=setting, number=1)
        session.add(version)
        session.flush()
    return version


def _require_editable(version: FlowchartVersion) -> None:
    if version.is_frozen:
        raise DomainError(
            f"Version {version.number} has been shown at a return interview and is frozen."
        )


def require_leader_map(item: Step | Link) -> None:
    """Refuse a step or arrow a voice added at a return interview: the mapping editor works on the
    leader's map only, and answers as if the voice's item did not exist there (404)."""
    if item.interview_id is not None:
        raise NotFoundError(type(item).__name__)


MAX_QUOTE = 1000

# The round-1 schedule's questions by the theme their answers usually map onto: the situation
# and what needs to change (1–2), the actions (3), the effects and how they will show (4–6).
_THEME_OF_QUESTION = {
    1: Theme.SITUATION,
    2: Theme.SITUATION,
    3: Theme.ACTION,
    4: Theme.OUTCOME,
    5: Theme.OUTCOME,
    6: Theme.OUTCOME,
}


def suggested_theme(question_number: int) -> Theme | None:
    """The theme a step mapped from this round-1 question most likely belongs to (a suggestion the
    mapper can change); None for a question outside the six of the schedule."""
    return _THEME_OF_QUESTION.get(question_number)


@dataclass
class StepFields:
    theme: str
    group_id: int
    text: str
    source_answer_id: int | None = None
    source_quote: str = ""


def add_step(session: Session, actor: Actor, version: FlowchartVersion, fields: StepFields) -> Step:
    """Add a step at the end of its theme × group cell."""
    _require_editable(version)
    last = session.scalar(select(func.max(Step.position)).where(Step.version_id == version.id))
    step = Step(position=(last or 0) + 1)
    _apply_step(session, step, version, fields)
    step.version = version
    session.add(step)
    session.flush()
    _record_step(
        session, actor, "step.create", step, {k: [None, v] for k, v in _step(step).items()}
    )
    return step


def _step(step: Step) -> dict[str, object]:
    """A step's fields as the audit trail keeps them."""
    return {
        "theme": step.theme,
        "group": step.group.name if step.group else None,
        "text": step.text,
        "source_answer_id": step.source_answer_id
        if step.source_answer is None
        else step.source_answer.id,
        "source_quote": step.source_quote,
        "position": step.position,
    }


def _record_step(
    session: Session,
    actor: Actor,
    action: str,
    step: Step,
    changes: dict[str, list[object]],
    words_of: int | None = None,
) -> None:
    """``words_of``: the interview whose words the changes hold, if not the step's source now
    (an edit that changed or cleared the source still holds the old quote)."""
    source = step.source_answer
    audit.record(
        session,
        actor,
        action,
        project_id=step.version.setting.project_id,
        target=step,
        interview_id=words_of or (source.interview_id if source is not None else None),
        summary=f"{step.version.setting.code} version {step.version.number}: {action}",
        changes=changes,
    )


def update_step(session: Session, actor: Actor, step: Step, fields: StepFields) -> None:
    """Change a step of the leader's map: its theme, group, text and source."""
    require_leader_map(step)
    _require_editable(step.version)
    before = _step(step)
    old_source = step.source_answer.interview_id if step.source_answer is not None else None
    _apply_step(session, step, step.version, fields)
    after = _step(step)
    changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    quoted_before = old_source if before["source_quote"] else None
    _record_step(session, actor, "step.edit", step, changed, words_of=quoted_before)
    session.flush()


def _apply_step(
    session: Session, step: Step, version: FlowchartVersion, fields: StepFields
) -> None:
    try:
        theme = Theme(fields.theme)
    except ValueError:
        raise FieldError(
            "theme", "Choose a theme: starting situation, strands of action or intended outcomes."
        ) from None
    text = " ".join(fields.text.split())
    if not text:
        raise FieldError("text", "A step needs some text.")
    if len(text) > MAX_STEP_TEXT:
        raise FieldError(
            "text", f"A step can be at most {MAX_STEP_TEXT} characters; this one is {len(text)}."
        )
    group = session.get(ProjectGroup, fields.group_id)
    if group is None or group.project_id != version.setting.project_id:
        raise FieldError("group_id", "Choose one of this study's groups.")
    answer = None
    if fields.source_answer_id is not None:
        answer = session.get(Answer, fields.source_answer_id)
        if answer is None or answer.interview.setting_id != version.setting_id:
            raise FieldError(
                "source_answer_id", "The source must be an answer from this setting's interviews."
            )
    quote = fields.source_quote.strip()
    if quote and answer is None:
        raise FieldError(
            "source_answer_id",
            "Choose the answer the quoted words come from, or leave the quote empty.",
        )
    if len(quote) > MAX_QUOTE:
        raise FieldError(
            "source_quote",
            f"A quote can be at most {MAX_QUOTE} characters; this one is {len(quote)}.",
        )
    step.theme = theme.value
    step.group = group
    step.text = text
    step.source_answer = answer
    step.source_quote = quote


def move_step(session: Session, actor: Actor, step: Step, direction: int) -> None:
    """Swap a step with its neighbour (-1 up, +1 down) within its theme × group cell."""
    require_leader_map(step)
    _require_editable(step.version)
    cell = [s for s in step.version.steps if s.theme == step.theme and s.group_id == step.group_id]
    cell.sort(key=lambda s: s.position)
    index = cell.index(step)
    other = index + (1 if direction > 0 else -1)
    if 0 <= other < len(cell):
        before = step.position
        step.position, cell[other].position = cell[other].position, step.position
        _record_step(session, actor, "step.move", step, {"position": [before, step.position]})
        session.flush()


def delete_step(session: Session, actor: Actor, step: Step) -> None:
    """Remove a step and the arrows to and from it."""
    require_leader_map(step)
    _require_editable(step.version)
    _record_step(
        session, actor, "step.delete", step, {k: [v, None] for k, v in _step(step).items()}
    )
    version = step.version
    version.links = [
        ln for ln in version.links if step.id not in (ln.source_step_id, ln.target_step_id)
    ]
    version.steps.remove(step)
    session.flush()


def add_link(
    session: Session,
    actor: Actor,
    version: FlowchartVersion,
    source_id: int,
    target_id: int,
    label: str = "",
) -> Link:
    """Draw an arrow between two steps of the same version."""
    _require_editable(version)
    label = " ".join(label.split())
    if len(label) > MAX_LINK_LABEL:
        raise FieldError("label", f"An arrow label can be at most {MAX_LINK_LABEL} characters.")
    check_new_link(
        [s.id for s in version.steps],
        [(ln.source_step_id, ln.target_step_id) for ln in version.links],
        source_id,
        target_id,
    )
    link = Link(version=version, source_step_id=source_id, target_step_id=target_id, label=label)
    session.add(link)
    session.flush()
    _record_link(session, actor, "link.create", link, before=None)
    return link


def _record_link(session: Session, actor: Actor, action: str, link: Link, before: object) -> None:
    now = {"from": link.source_step_id, "to": link.target_step_id, "label": link.label}
    audit.record(
        session,
        actor,
        action,
        project_id=link.version.setting.project_id,
        target=link,
        interview_id=link.interview_id,
        summary=f"{link.version.setting.code} version {link.version.number}: {action}",
        changes={"arrow": [now, None] if before == "deleted" else [None, now]},
    )


def steps_by_cell(version: FlowchartVersion | None) -> dict[tuple[str, int], list[Step]]:
    """The version's steps by (theme, group id), each cell in its arranged order."""
    cells: dict[tuple[str, int], list[Step]] = {}
    if version is None:
        return cells
    for step in sorted(version.steps, key=lambda s: s.position):
        cells.setdefault((step.theme, step.group_id), []).append(step)
    return cells


def delete_link(session: Session, actor: Actor, link: Link) -> None:
    """Remove an arrow of the leader's map."""
    require_leader_map(link)
    _require_editable(link.version)
    _record_link(session, actor, "link.delete", link, before="deleted")
    link.version.links.remove(link)
    session.flush()


def to_domain(version: FlowchartVersion) -> Flowchart:
    """The version as a plain domain Flowchart (step keys are database ids as text)."""
    setting = version.setting
    steps = tuple(
        DomainStep(
            key=str(step.id),
            theme=Theme(step.theme),
            group=step.group.name,
            text=step.text,
            source=_source(step),
            lineage=step.lineage,
        )
        for step in sorted(version.steps, key=lambda s: s.position)
    )
    links = tuple(
        DomainLink(str(ln.source_step_id), str(ln.target_step_id), ln.label) for ln in version.links
    )
    return Flowchart(
        title=f"{setting.code} flowchart, version {version.number}",
        groups=lane_order([(g.id, g.name) for g in setting.project.groups], version.group_order),
        steps=steps,
        links=links,
    )


def lane_order(groups: Sequence[tuple[int, str]], frozen: Sequence[int] | None) -> tuple[str, ...]:
    """The names of the study's groups (``(id, name)`` in the study's order) in a version's lane
    order: an open version's is the study's; a frozen one's is the order it was frozen in, with
    any group added since after them. Names are today's, so a group renamed is still its lane."""
    return tuple(groups[i][1] for i in lane_indexes([g for g, _ in groups], frozen))


def lane_indexes(group_ids: Sequence[int], frozen: Sequence[int] | None) -> list[int]:
    """Indexes into the study's groups (ids in the study's order) in a version's lane order."""
    if not frozen:
        return list(range(len(group_ids)))
    place = {group_id: i for i, group_id in enumerate(frozen)}
    return sorted(range(len(group_ids)), key=lambda i: (place.get(group_ids[i], len(place)), i))


def freeze_lanes(version: FlowchartVersion) -> None:
    """Keep the study's current group order on a version being frozen (once)."""
    if version.group_order is None:
        version.group_order = [g.id for g in version.setting.project.groups]


def _source(step: Step) -> StepSource | None:
    answer = step.source_answer
    if answer is None:
        return None
    return StepSource(answer.number, answer.question_text, step.source_quote)
