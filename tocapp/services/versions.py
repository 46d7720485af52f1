"""Freezing a flowchart version when it is shown, and starting the next one for later edits."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tocapp.domain.errors import DomainError
from tocapp.models import FlowchartVersion, Link, Setting, Step
from tocapp.models.base import utcnow
from tocapp.services.flowcharts import latest_version


def freeze_flowchart_version(version: FlowchartVersion) -> None:
    """Mark a version as shown: from now on annotations refer to exactly these steps."""
    if version.frozen_at is None:
        version.frozen_at = utcnow()


def start_next_version(session: Session, setting: Setting) -> FlowchartVersion:
    """Copy the newest (frozen) version into a new editable one; steps keep their lineage."""
    current = latest_version(session, setting)
    if current is None:
        raise DomainError("This setting has no flowchart yet.")
    if not current.is_frozen:
        return current
    new = FlowchartVersion(setting=setting, number=current.number + 1)
    session.add(new)
    copies: dict[int, Step] = {}
    for step in current.steps:
        copy = Step(
            theme=step.theme,
            group_id=step.group_id,
            text=step.text,
            position=step.position,
            source_answer_id=step.source_answer_id,
            source_quote=step.source_quote,
            lineage=step.lineage,
        )
        new.steps.append(copy)
        copies[step.id] = copy
    for link in current.links:
        new.links.append(
            Link(
                source=copies[link.source_step_id],
                target=copies[link.target_step_id],
                label=link.label,
            )
        )
    session.flush()
    return new
