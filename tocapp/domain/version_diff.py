"""What changed between two versions of a setting's flowchart, step by step and arrow by arrow.

Steps are matched by their lineage (a copied step keeps it), never by position or wording, so a
reworded or moved step is recognised as the same step. Keys differ between versions (they are
database ids), which is why arrows are compared as pairs of lineages too.
"""

from __future__ import annotations

from dataclasses import dataclass

from tocapp.domain.theory import Flowchart, Step, ordered_steps


@dataclass(frozen=True)
class StepPair:
    """The same step (one lineage) as it was in the old version and as it is in the new one."""

    old: Step
    new: Step


@dataclass(frozen=True)
class ArrowChange:
    """An arrow that is only in one of the two versions, with the steps at its ends there."""

    source: Step
    target: Step
    label: str = ""


@dataclass(frozen=True)
class ArrowRelabel:
    """An arrow in both versions whose label changed."""

    source: Step
    target: Step
    old_label: str
    new_label: str


@dataclass(frozen=True)
class VersionDiff:
    """Everything that differs between an old and a new version, in reading order."""

    added: tuple[Step, ...] = ()
    removed: tuple[Step, ...] = ()
    reworded: tuple[StepPair, ...] = ()
    moved: tuple[StepPair, ...] = ()  # theme or group changed
    arrows_added: tuple[ArrowChange, ...] = ()
    arrows_removed: tuple[ArrowChange, ...] = ()
    arrows_relabelled: tuple[ArrowRelabel, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (
            self.added
            or self.removed
            or self.reworded
            or self.moved
            or self.arrows_added
            or self.arrows_removed
            or self.arrows_relabelled
        )

    @property
    def summary(self) -> str:
        """One plain sentence, e.g. "1 step added, 2 steps reworded and 1 arrow removed."."""
        if self.is_empty:
            return "No changes: the steps and arrows are the same."
        parts = [
            _count(len(self.added), "step", "added"),
            _count(len(self.removed), "step", "removed"),
            _count(len(self.reworded), "step", "reworded"),
            _count(len(self.moved), "step", "moved to another theme or group"),
            _count(len(self.arrows_added), "arrow", "added"),
            _count(len(self.arrows_removed), "arrow", "removed"),
            _count(len(self.arrows_relabelled), "arrow", "relabelled"),
        ]
        said = [part for part in parts if part]
        sentence = said[0] if len(said) == 1 else ", ".join(said[:-1]) + " and " + said[-1]
        return sentence[0].upper() + sentence[1:] + "."


def _count(n: int, noun: str, verb: str) -> str:
    if n == 0:
        return ""
    return f"{n} {noun}{'' if n == 1 else 's'} {verb}"


def _identities(chart: Flowchart) -> dict[str, Step]:
    """Steps by lineage; a step without one (a chart built by hand) stands for itself by key."""
    found: dict[str, Step] = {}
    for step in ordered_steps(chart.steps, chart.lane_groups()):
        identity = step.lineage or f"key:{step.key}"
        # Two steps should never share a lineage; if they do, the second counts as a new step
        # rather than silently hiding the first.
        while identity in found:
            identity += "'"
        found[identity] = step
    return found


def _arrows(chart: Flowchart, lineage_of: dict[str, str]) -> dict[tuple[str, str], str]:
    """Arrows as (source lineage, target lineage) → label."""
    return {(lineage_of[ln.source], lineage_of[ln.target]): ln.label for ln in chart.links}


def diff_versions(old: Flowchart, new: Flowchart) -> VersionDiff:
    """Compare two versions of one setting's chart: steps by lineage, arrows by lineage pairs."""
    old_steps, new_steps = _identities(old), _identities(new)
    both = [identity for identity in new_steps if identity in old_steps]
    pairs = [StepPair(old_steps[i], new_steps[i]) for i in both]
    old_lineage = {step.key: identity for identity, step in old_steps.items()}
    new_lineage = {step.key: identity for identity, step in new_steps.items()}
    old_arrows, new_arrows = _arrows(old, old_lineage), _arrows(new, new_lineage)
    return VersionDiff(
        added=tuple(s for i, s in new_steps.items() if i not in old_steps),
        removed=tuple(s for i, s in old_steps.items() if i not in new_steps),
        reworded=tuple(p for p in pairs if p.old.text != p.new.text),
        moved=tuple(p for p in pairs if (p.old.theme, p.old.group) != (p.new.theme, p.new.group)),
        arrows_added=tuple(
            ArrowChange(new_steps[s], new_steps[t], label)
            for (s, t), label in new_arrows.items()
            if (s, t) not in old_arrows
        ),
        arrows_removed=tuple(
            ArrowChange(old_steps[s], old_steps[t], label)
            for (s, t), label in old_arrows.items()
            if (s, t) not in new_arrows
        ),
        arrows_relabelled=tuple(
            ArrowRelabel(new_steps[s], new_steps[t], old_arrows[(s, t)], label)
            for (s, t), label in new_arrows.items()
            if (s, t) in old_arrows and old_arrows[(s, t)] != label
        ),
    )
