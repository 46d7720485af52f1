"""The text equivalent of a flowchart: by theme, each step with its group, source and arrows."""

from __future__ import annotations

from dataclasses import dataclass

from tocapp.domain.theory import Flowchart, Step, Theme, ordered_steps


@dataclass(frozen=True)
class OutlineArrow:
    other_key: str
    other_text: str
    label: str


@dataclass(frozen=True)
class OutlineStep:
    step: Step
    number: str
    arrows_in: tuple[OutlineArrow, ...]
    arrows_out: tuple[OutlineArrow, ...]


@dataclass(frozen=True)
class OutlineTheme:
    theme: Theme
    steps: tuple[OutlineStep, ...]


def step_numbers(chart: Flowchart) -> dict[str, str]:
    """Short reading numbers ("S1", "A2", "O3") in theme-then-group order, for chart and text.

    The leader's steps are numbered first and steps added at return interviews after them (the
    next numbers of their theme), so a leader's step has the same number on every voice's page,
    the leader's chart and every export, whatever steps the voices added.
    """
    prefix = {Theme.SITUATION: "S", Theme.ACTION: "A", Theme.OUTCOME: "O"}
    counters = dict.fromkeys(Theme, 0)
    numbers: dict[str, str] = {}
    ordered = ordered_steps(chart.steps, chart.lane_groups())
    for step in [s for s in ordered if not s.added_by] + [s for s in ordered if s.added_by]:
        counters[step.theme] += 1
        numbers[step.key] = f"{prefix[step.theme]}{counters[step.theme]}"
    return numbers


def build_outline(chart: Flowchart) -> list[OutlineTheme]:
    """Group the chart's steps by theme, each with its numbered arrows in and out."""
    numbers = step_numbers(chart)
    by_key = chart.step_by_key

    def arrow(other: str, label: str) -> OutlineArrow:
        return OutlineArrow(numbers[other], by_key[other].text, label)

    ordered = ordered_steps(chart.steps, chart.lane_groups())
    outline: list[OutlineTheme] = []
    for theme in Theme:
        steps = tuple(
            OutlineStep(
                step=step,
                number=numbers[step.key],
                arrows_in=tuple(arrow(ln.source, ln.label) for ln in chart.links_into(step.key)),
                arrows_out=tuple(arrow(ln.target, ln.label) for ln in chart.links_out_of(step.key)),
            )
            for step in ordered
            if step.theme is theme
        )
        outline.append(OutlineTheme(theme, steps))
    return outline
