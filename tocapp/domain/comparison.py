"""Comparing voices, settings and rounds: plain data in, plain data out, no database.

A study's return interviews arrive as ``SettingRound``s — one setting's chart as shown in one round,
with the voices heard about it. From them come the steps × voices matrix of a setting, mark counts
by theme × group × role across settings, how marks moved between rounds (steps matched by lineage),
and the tidy rows a CSV export is made of. Marks describe what came to fruition; nothing here scores
a person or a setting.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tocapp.domain.outline import step_numbers
from tocapp.domain.theory import Flowchart, Step, Theme
from tocapp.domain.voices import Agreement, Mark, VoiceLayer, VoiceNote, tally_step

NOT_DISCUSSED = "not discussed"
MARK_COLUMNS: tuple[str, ...] = (*(m.value for m in Mark), NOT_DISCUSSED)


@dataclass(frozen=True)
class SettingRound:
    """One setting's chart as shown in one round, and every voice heard about it then."""

    setting_code: str
    round_number: int
    round_title: str
    version_number: int
    chart: Flowchart
    voices: tuple[VoiceLayer, ...]


@dataclass(frozen=True)
class MatrixRow:
    number: str
    step: Step
    marks: tuple[Mark | None, ...]  # one per voice, in the matrix's voice order
    agreement: Agreement
    leader_differs: bool
    notes: tuple[tuple[str, VoiceNote], ...] = ()  # (voice label, note), in voice order

    @property
    def note_count(self) -> int:
        return len(self.notes)


@dataclass(frozen=True)
class SettingMatrix:
    """Steps × voices for one setting and round: who marked what, and how far they agree."""

    source: SettingRound
    voices: tuple[VoiceLayer, ...]
    rows: tuple[MatrixRow, ...]

    @property
    def diverging(self) -> list[MatrixRow]:
        return [r for r in self.rows if r.agreement is Agreement.DIVERGE or r.leader_differs]

    @property
    def noted(self) -> list[MatrixRow]:
        """The steps someone made a note on: the notes grouped by step."""
        return [r for r in self.rows if r.notes]

    @property
    def thread_notes(self) -> list[tuple[str, VoiceNote]]:
        """Notes on new threads of the conversation, on no step or arrow."""
        return [(v.label, n) for v in self.voices for n in v.thread_notes]


def voice_filter(voices: Iterable[VoiceLayer], roles: set[str] | None) -> tuple[VoiceLayer, ...]:
    """Only the voices whose role label is chosen; no choice keeps every voice."""
    return tuple(v for v in voices if roles is None or v.label in roles)


def setting_matrix(source: SettingRound, roles: set[str] | None = None) -> SettingMatrix:
    voices = voice_filter(source.voices, roles)
    numbers = step_numbers(source.chart)
    by_key = source.chart.step_by_key
    rows = []
    for key in numbers:
        tally = tally_step(key, voices)
        rows.append(
            MatrixRow(
                number=numbers[key],
                step=by_key[key],
                marks=tuple(v.marks.get(key) for v in voices),
                agreement=tally.agreement,
                leader_differs=tally.leader_differs,
                notes=tuple((v.label, n) for v in voices for n in v.notes_on(key)),
            )
        )
    return SettingMatrix(source, voices, tuple(rows))


@dataclass(frozen=True)
class CountKey:
    theme: Theme
    group: str
    role: str


def mark_counts(
    sources: Sequence[SettingRound], roles: set[str] | None = None
) -> dict[CountKey, Counter[str]]:
    """For each theme × group × role: how many steps each voice of that role marked achieved,
    partly, elusive, or did not discuss, over every setting and round given."""
    counts: dict[CountKey, Counter[str]] = defaultdict(Counter)
    for source in sources:
        for voice in voice_filter(source.voices, roles):
            for step in source.chart.steps:
                if step.added_by and step.added_by != voice.label:
                    continue  # another voice's own step was never put to this one
                mark = voice.marks.get(step.key)
                key = CountKey(step.theme, step.group, voice.label)
                counts[key][mark.value if mark else NOT_DISCUSSED] += 1
    order = {t: i for i, t in enumerate(Theme)}
    return dict(
        sorted(counts.items(), key=lambda kv: (order[kv[0].theme], kv[0].group, kv[0].role))
    )


@dataclass(frozen=True)
class MarkMove:
    """One step's marks by one role in two rounds of a setting (steps matched by lineage)."""

    setting_code: str
    from_round: int
    to_round: int
    step_text: str
    role: str
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


def mark_moves(sources: Sequence[SettingRound]) -> list[MarkMove]:
    """Where a setting was heard in more than one round: each role's mark on each step, then and
    now. A role heard twice in one round counts by its most frequent mark."""
    moves: list[MarkMove] = []
    by_setting: dict[str, list[SettingRound]] = defaultdict(list)
    for source in sources:
        by_setting[source.setting_code].append(source)
    for code, rounds in sorted(by_setting.items()):
        rounds.sort(key=lambda s: s.round_number)
        for earlier, later in zip(rounds, rounds[1:], strict=False):
            before, after = _role_marks(earlier), _role_marks(later)
            for (lineage, role), mark in sorted(after.items()):
                if (lineage, role) in before:
                    text = _text_by_lineage(later.chart)[lineage]
                    moves.append(
                        MarkMove(
                            code,
                            earlier.round_number,
                            later.round_number,
                            text,
                            role,
                            before[(lineage, role)],
                            mark,
                        )
                    )
    return moves


@dataclass(frozen=True)
class MoveSummary:
    """How one setting's marks moved from one round to the next, counted by (before, after)."""

    setting_code: str
    from_round: int
    to_round: int
    counts: Counter[tuple[str, str]]

    @property
    def same(self) -> int:
        return sum(n for (before, after), n in self.counts.items() if before == after)

    @property
    def changes(self) -> list[tuple[str, str, int]]:
        """(before, after, how many), most frequent first, then in mark order."""
        order = {m: i for i, m in enumerate(MARK_COLUMNS)}
        changed = [(b, a, n) for (b, a), n in self.counts.items() if b != a]
        return sorted(changed, key=lambda c: (-c[2], order.get(c[0], 9), order.get(c[1], 9)))


def summarise_moves(moves: Iterable[MarkMove]) -> list[MoveSummary]:
    """One summary per setting and pair of rounds, in setting then round order."""
    grouped: dict[tuple[str, int, int], Counter[tuple[str, str]]] = defaultdict(Counter)
    for move in moves:
        grouped[(move.setting_code, move.from_round, move.to_round)][(move.before, move.after)] += 1
    return [MoveSummary(*key, counts) for key, counts in sorted(grouped.items())]


def _role_marks(source: SettingRound) -> dict[tuple[str, str], str]:
    lineage = {s.key: s.lineage or s.key for s in source.chart.steps}
    seen: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for voice in source.voices:
        for key, mark in voice.marks.items():
            if key in lineage:
                seen[(lineage[key], voice.label)][mark.value] += 1
    return {k: c.most_common(1)[0][0] for k, c in seen.items()}


def _text_by_lineage(chart: Flowchart) -> dict[str, str]:
    return {s.lineage or s.key: s.text for s in chart.steps}


CSV_COLUMNS = (
    "setting",
    "round",
    "version",
    "step",
    "theme",
    "group",
    "step_text",
    "added_by",
    "voice",
    "role",
    "mark",
    "note_count",
)


def tidy_rows(
    sources: Sequence[SettingRound], roles: set[str] | None = None
) -> list[dict[str, str]]:
    """One row per setting × round × version × step × voice, ready for Excel, R, SPSS or NVivo."""
    rows = []
    for source in sources:
        numbers = step_numbers(source.chart)
        voices = voice_filter(source.voices, roles)
        for n, voice in enumerate(voices, start=1):
            for key, number in numbers.items():
                step = source.chart.step_by_key[key]
                if step.added_by and step.added_by != voice.label:
                    continue
                mark = voice.marks.get(key)
                rows.append(
                    {
                        "setting": source.setting_code,
                        "round": str(source.round_number),
                        "version": str(source.version_number),
                        "step": number,
                        "theme": step.theme.title,
                        "group": step.group,
                        "step_text": step.text,
                        "added_by": step.added_by,
                        "voice": f"{source.setting_code}-R{source.round_number}-V{n}",
                        "role": voice.label,
                        "mark": mark.value if mark else NOT_DISCUSSED,
                        "note_count": str(len(voice.notes_on(key))),
                    }
                )
    return rows
