"""Comparing voices, settings and rounds: plain data in, plain data out, no database.

A study's return interviews arrive as ``SettingRound``s — one setting's chart as shown in one round,
with the voices heard about it. From them come the steps × voices matrix of a setting, mark counts
by theme × group × role across settings, how marks moved between rounds (steps matched by lineage),
and the tidy rows a CSV export is made of. Marks describe what came to fruition; nothing here scores
a person or a setting.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
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
    left_out: int = 0  # practice voices too few to show to the setting's leadership


@dataclass(frozen=True)
class MatrixRow:
    number: str
    step: Step
    cells: tuple[tuple[Mark, ...], ...]  # per voice, in the matrix's voice order: its marks
    agreement: Agreement
    leader_differs: bool
    notes: tuple[tuple[str, VoiceNote], ...] = ()  # (voice label, note), in voice order

    @property
    def marks(self) -> tuple[Mark | None, ...]:
        """One mark per voice (None: not discussed, or a combined group's several marks)."""
        return tuple(cell[0] if len(cell) == 1 else None for cell in self.cells)

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
    """Only the voices whose role label (at the time) is chosen; no choice keeps every voice."""
    return tuple(v for v in voices if roles is None or v.spoke_as(roles))


def cell_text(cell: Sequence[Mark]) -> str:
    """A matrix cell in words: "✓ Achieved", "2✓ 1✗" for a group, "—" when not discussed."""
    if not cell:
        return "—"
    if len(cell) == 1:
        return f"{cell[0].symbol} {cell[0].label}"
    counts = Counter(cell)
    return " ".join(f"{counts[m]}{m.symbol}" for m in Mark if counts[m])


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
                cells=tuple(v.marks_on(key) for v in voices),
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
                key = CountKey(step.theme, step.group, voice.role)
                for marks in voice.members or (voice.marks,):
                    mark = marks.get(step.key)
                    counts[key][mark.value if mark else NOT_DISCUSSED] += 1
    order = {t: i for i, t in enumerate(Theme)}
    return dict(
        sorted(counts.items(), key=lambda kv: (order[kv[0].theme], kv[0].group, kv[0].role))
    )


@dataclass(frozen=True)
class MarkMove:
    """One person's mark on one step in two rounds of a setting (steps matched by lineage,
    people by their reference, whatever their role label then and whoever they were paired with)."""

    setting_code: str
    from_round: int
    to_round: int
    step_text: str
    person: str  # the participant's reference
    label: str  # the person's label in the later round, as on every page
    before: str
    after: str
    earlier_role: str = ""  # their role label in the earlier round, if it was different

    @property
    def changed(self) -> bool:
        return self.before != self.after

    @property
    def who(self) -> str:
        """ "Senior TA (NUR-P02)", with "earlier Teaching assistant" when the role changed."""
        return f"{self.label}, earlier {self.earlier_role}" if self.earlier_role else self.label


def mark_moves(sources: Sequence[SettingRound]) -> list[MarkMove]:
    """Where a setting was heard in more than one round: each person's mark on each step, then
    and now. Combined groups have no person and are not followed."""
    moves: list[MarkMove] = []
    by_setting: dict[str, list[SettingRound]] = defaultdict(list)
    for source in sources:
        by_setting[source.setting_code].append(source)
    for code, rounds in sorted(by_setting.items()):
        by_round: dict[int, list[SettingRound]] = defaultdict(list)
        for source in rounds:
            by_round[source.round_number].append(source)
        numbers = sorted(by_round)
        for earlier, later in zip(numbers, numbers[1:], strict=False):
            before = _person_marks(by_round[earlier])
            after = _person_marks(by_round[later])
            texts = {k: v for s in by_round[later] for k, v in _text_by_lineage(s.chart).items()}
            for (lineage, person), (mark, role, label) in sorted(after.items()):
                if (lineage, person) in before:
                    old_mark, old_role, _ = before[(lineage, person)]
                    moves.append(
                        MarkMove(
                            code,
                            earlier,
                            later,
                            texts[lineage],
                            person,
                            label,
                            old_mark,
                            mark,
                            old_role if old_role != role else "",
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


def _person_marks(
    sources: Sequence[SettingRound],
) -> dict[tuple[str, str], tuple[str, str, str]]:
    """(lineage, person reference) → (mark, role label then, label), over one round's versions."""
    found: dict[tuple[str, str], tuple[str, str, str]] = {}
    for source in sources:
        lineage = {s.key: s.lineage or s.key for s in source.chart.steps}
        for voice in source.voices:
            if voice.is_group:
                continue
            # Each person's own role (a layer made without them: its joined label, split).
            roles = voice.roles or tuple(voice.role.split(" & "))
            for n, reference in enumerate(voice.people):
                role = roles[n] if n < len(roles) else voice.role
                label = voice.person_labels[n] if n < len(voice.person_labels) else voice.label
                for key, mark in voice.marks.items():
                    if key in lineage:
                        found[(lineage[key], reference)] = (mark.value, role, label)
    return found


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
    "person",
    "role",
    "perspective",
    "voice",
    "voices",
    "mark",
    "count",
    "note_count",
)


def tidy_rows(
    sources: Sequence[SettingRound], roles: set[str] | None = None
) -> list[dict[str, str]]:
    """Every row of :func:`each_tidy_row`, as a list."""
    return list(each_tidy_row(sources, roles))


def each_tidy_row(
    sources: Sequence[SettingRound], roles: set[str] | None = None
) -> Iterator[dict[str, str]]:
    """One row per setting × round × version × step × voice, ready for Excel, R, SPSS or NVivo,
    made as they are asked for (a CSV of many settings is written without holding every row).

    ``person`` is the participant's reference, the same in every round; ``voice`` is the label
    the voice has on every page and document. A combined group (for the setting's leadership)
    has no person and gives one row per mark with its ``count``.
    """
    for source in sources:
        numbers = step_numbers(source.chart)
        for voice in voice_filter(source.voices, roles):
            for key, number in numbers.items():
                step = source.chart.step_by_key[key]
                if step.added_by and step.added_by != voice.label:
                    continue
                base = {
                    "setting": source.setting_code,
                    "round": str(source.round_number),
                    "version": str(source.version_number),
                    "step": number,
                    "theme": step.theme.title,
                    "group": step.group,
                    "step_text": step.text,
                    "added_by": step.added_by,
                    "person": voice.person,
                    "role": voice.role,
                    "perspective": voice.perspective.value if voice.perspective else "mixed",
                    "voice": voice.label,
                    "voices": str(voice.size),
                    "note_count": str(len(voice.notes_on(key))),
                }
                marks = voice.marks_on(key)
                counts = Counter(m.value for m in marks)
                if voice.size - len(marks):
                    counts[NOT_DISCUSSED] = voice.size - len(marks)
                for mark in MARK_COLUMNS:
                    if counts[mark]:
                        row = {**base, "mark": mark, "count": str(counts[mark])}
                        yield {column: row[column] for column in CSV_COLUMNS}
