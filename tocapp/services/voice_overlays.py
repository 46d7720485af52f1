"""What the drawn chart shows of the voices: one voice's marks and notes, or every voice's tally.

Plain functions from domain voices to the render layer's Annotations; no session, no request.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from tocapp.domain.voices import Agreement, StepTally, VoiceLayer, tally_steps
from tocapp.render import Annotations, LinkDecoration, StepDecoration


def voice_annotations(layer: VoiceLayer) -> Annotations:
    """One voice: each step's mark and note numbers; its arrows numbered; notes on arrows."""
    step_notes: dict[str, list[int]] = defaultdict(list)
    link_notes: dict[tuple[str, str], list[int]] = defaultdict(list)
    for note in layer.notes:
        if note.step_key is not None:
            step_notes[note.step_key].append(note.number)
        elif note.link is not None:
            link_notes[note.link].append(note.number)
    keys = set(layer.marks) | set(step_notes)
    steps = {
        key: StepDecoration(mark=layer.marks.get(key), note_numbers=tuple(step_notes[key]))
        for key in sorted(keys)
    }
    links = {
        (link.source, link.target): LinkDecoration(
            badge=str(link.number), note_numbers=tuple(link_notes[(link.source, link.target)])
        )
        for link in layer.links
    }
    for pair, numbers in link_notes.items():
        links.setdefault(pair, LinkDecoration(note_numbers=tuple(numbers)))
    return Annotations(steps=steps, links=links)


def is_divergent(tally: StepTally) -> bool:
    return tally.agreement is Agreement.DIVERGE or tally.leader_differs


def all_voices_annotations(step_keys: Iterable[str], voices: Sequence[VoiceLayer]) -> Annotations:
    """Every voice: each step's tally ("Headteacher ✓ · TA ✗"), divergence flagged, and each
    voice's new arrows badged with who drew them and their number ("Teacher 1 · TA 2")."""
    tallies = tally_steps(step_keys, voices)
    steps = {
        key: StepDecoration(tally=tally.summary, divergent=is_divergent(tally))
        for key, tally in tallies.items()
        if tally.marks
    }
    badges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for voice in voices:
        for link in voice.links:
            badges[(link.source, link.target)].append(f"{voice.label} {link.number}")
    links = {pair: LinkDecoration(badge=" · ".join(names)) for pair, names in badges.items()}
    return Annotations(steps=steps, links=links)
