"""Themes, steps, links and the flowchart that holds them, with the rules they obey."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from tocapp.domain.errors import DuplicateLinkError, ForeignStepError, SelfLoopError

DEFAULT_GROUPS: tuple[str, ...] = ("Staff", "Children", "Parents")
MAX_STEP_TEXT = 500
MAX_LINK_LABEL = 200


class Theme(StrEnum):
    """The three core themes a round-1 interview is mapped onto, in reading order."""

    SITUATION = "situation"
    ACTION = "action"
    OUTCOME = "outcome"

    @property
    def title(self) -> str:  # type: ignore[override]  # the heading; str.title is never wanted here
        return _THEME_TITLES[self]

    @property
    def question(self) -> str:
        return _THEME_QUESTIONS[self]

    @property
    def position(self) -> int:
        return _THEME_POSITIONS[self]


_THEME_POSITIONS = {theme: n for n, theme in enumerate(Theme)}
_THEME_TITLES = {
    Theme.SITUATION: "Starting situation",
    Theme.ACTION: "Strands of action",
    Theme.OUTCOME: "Intended outcomes",
}
_THEME_QUESTIONS = {
    Theme.SITUATION: "What is it like now and why; and what needs to change?",
    Theme.ACTION: "What are we going to do about it?",
    Theme.OUTCOME: "What are the desired and intended outcomes?",
}


@dataclass(frozen=True)
class StepSource:
    """Where a step came from: the interview answer, and optionally the exact words quoted."""

    question_number: int
    question_text: str
    quote: str = ""


@dataclass(frozen=True)
class Step:
    """One box of the flowchart: a theme, a group, the text, and its source."""

    key: str
    theme: Theme
    group: str
    text: str
    source: StepSource | None = None
    lineage: str = ""  # the same step in other versions shares it
    added_by: str = ""  # the voice that added the step at a return interview; "" for the leader


@dataclass(frozen=True)
class Link:
    """An arrow from one step to another, optionally labelled."""

    source: str
    target: str
    label: str = ""
    added_by: str = ""  # the voice that drew the arrow at a return interview; "" for the leader


@dataclass(frozen=True)
class Flowchart:
    """A setting's theory of change: steps in theme × group cells, and arrows between them."""

    title: str
    groups: tuple[str, ...]
    steps: tuple[Step, ...]
    links: tuple[Link, ...] = field(default=())

    def __post_init__(self) -> None:
        keys = {step.key for step in self.steps}
        if len(keys) != len(self.steps):
            raise ForeignStepError("Two steps share the same key.")
        seen: set[tuple[str, str]] = set()
        for link in self.links:
            check_new_link(keys, seen, link.source, link.target)
            seen.add((link.source, link.target))

    @property
    def step_by_key(self) -> dict[str, Step]:
        return {step.key: step for step in self.steps}

    def steps_in(self, theme: Theme, group: str | None = None) -> list[Step]:
        """Steps of one theme (and optionally one group), in the order they were arranged."""
        return [s for s in self.steps if s.theme is theme and (group is None or s.group == group)]

    def lane_groups(self) -> list[str]:
        """The groups that have steps, in the study's order, then any others in step order."""
        used = {step.group for step in self.steps}
        ordered = [g for g in self.groups if g in used]
        for step in self.steps:
            if step.group not in ordered:
                ordered.append(step.group)
        return ordered

    def links_into(self, key: str) -> list[Link]:
        return [link for link in self.links if link.target == key]

    def links_out_of(self, key: str) -> list[Link]:
        return [link for link in self.links if link.source == key]


def check_new_link(
    step_keys: Iterable[str], existing: Iterable[tuple[str, str]], source: str, target: str
) -> None:
    """Raise a DomainError if an arrow from source to target may not be drawn."""
    # Sets are used as they are: a chart of 200 steps checks each of its arrows in turn.
    keys = step_keys if isinstance(step_keys, set | frozenset) else set(step_keys)
    if source not in keys or target not in keys:
        raise ForeignStepError("Both ends of an arrow must be steps of this flowchart version.")
    if source == target:
        raise SelfLoopError("An arrow cannot start and end at the same step.")
    if (source, target) in (existing if isinstance(existing, set | frozenset) else set(existing)):
        raise DuplicateLinkError("That arrow is already on the flowchart.")


def ordered_steps(steps: Sequence[Step], groups: Sequence[str]) -> list[Step]:
    """Steps sorted by theme, then group in study order, keeping their arranged order within."""
    group_rank = {g: i for i, g in enumerate(groups)}
    indexed = list(enumerate(steps))
    indexed.sort(key=lambda p: (p[1].theme.position, group_rank.get(p[1].group, len(groups)), p[0]))
    return [step for _, step in indexed]
