"""The one voice read model: every page, chart image, export, comparison and CSV reads voices here.

The comparison reads many settings at once as plain rows (:mod:`tocapp.services.voice_rows`);
both build a voice and a leader's chart from the same parts (:mod:`tocapp.services.voice_layers`)
and put voices before an audience with :func:`for_audience`. Nothing else decides how a voice is
labelled, which perspective it speaks from, which of its words may be quoted, which flowchart
version is shown, or which rounds are put side by side. Withdrawn participants need no rule here:
their contributions are deleted from the database (:mod:`tocapp.services.withdrawals`), so there
is nothing of theirs left to read.

- A voice is one interview: one participant, or a pair, with the role label and perspective they
  had *at the time*, labelled "Teaching assistant (NUR-P02)" on every page and in every document.
- Verbatim words of anyone without consent to anonymous quotation become ``WITHHELD_QUOTE``,
  except on the voice's own editing page, where the interviewer must see what they typed.
- Rounds are kept apart: by default the latest round with return interviews; "all" puts every
  round side by side, each voice carrying its round.
- For the setting's leadership, practice voices are combined (``domain.voices.combine_practice``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from tocapp.domain.people import Audience, Person, Perspective, voice_label
from tocapp.domain.theory import Flowchart
from tocapp.domain.voices import VoiceLayer, chart_with_voices, combine_practice
from tocapp.models import (
    Answer,
    FlowchartVersion,
    Interview,
    InterviewParticipant,
    Setting,
    Step,
)
from tocapp.models.annotations import VoiceNote as NoteRow
from tocapp.services.flowcharts import to_domain
from tocapp.services.voice_layers import (
    LinkPart,
    NotePart,
    StepPart,
    person_as_heard,
    voice_layer,
    withhold_unquotable,
    words_quotable,
)

ALL_ROUNDS = "all"
RoundChoice = int | str | None  # a round number, ALL_ROUNDS, or None for the latest


def parse_round_choice(text: str) -> RoundChoice:
    """What ``?round=`` asks for: "all" for every round side by side, a number for one, and
    anything else for the latest."""
    if text == ALL_ROUNDS:
        return ALL_ROUNDS
    return int(text) if text.isascii() and text.isdigit() and len(text) < 6 else None


def person_in(person: InterviewParticipant, audience: Audience) -> Person:
    """One participant as they spoke in one interview; the real name only when identified."""
    participant = person.participant
    return person_as_heard(
        reference=participant.reference,
        role=person.role_label,
        perspective=person.perspective,
        pseudonym=participant.pseudonym,
        real_name=participant.real_name,
        consent_quote=participant.consent_quote,
        audience=audience,
    )


def people_of(interview: Interview, audience: Audience = Audience.RESEARCH) -> list[Person]:
    return [person_in(p, audience) for p in interview.people]


def label_of(interview: Interview, audience: Audience = Audience.RESEARCH) -> str:
    """The voice's label, as on every page and in every document for this audience."""
    return voice_label(people_of(interview, audience))


def voice_of(
    interview: Interview, audience: Audience = Audience.RESEARCH, *, editing: bool = False
) -> VoiceLayer:
    """One return interview as a voice: its people, marks, numbered notes, arrows and steps.

    ``editing``: the interviewer's own page for this voice shows every word as typed.
    """
    return voice_layer(
        interview.id,
        people_of(interview, audience),
        ((m.step_id, m.mark) for m in interview.marks),
        (
            NotePart(
                n.number,
                n.text,
                n.verbatim,
                n.step_id,
                (n.link.source_step_id, n.link.target_step_id) if n.link else None,
            )
            for n in interview.notes
        ),
        (
            LinkPart(ln.source_step_id, ln.target_step_id, ln.note, ln.verbatim)
            for ln in interview.added_links
        ),
        (StepPart(s.id, s.theme, s.group.name, s.text) for s in interview.added_steps),
        interview.round.number,
        interview.held_on,
        editing=editing,
    )


def leader_chart(
    version: FlowchartVersion, *, editing: bool = False, audience: Audience = Audience.RESEARCH
) -> Flowchart:
    """The version as the leader's map; quoted source words of anyone who did not consent to
    quotation are withheld (the mapping page, ``editing``, shows them), and for the setting's
    leadership so are the words of anyone who did not speak for leadership."""
    chart = to_domain(version)
    if editing:
        return chart
    quotable = {
        str(record.id)
        for record in version.steps
        if record.source_quote
        and record.source_answer is not None
        and quotable_for(record.source_answer.interview, audience)
    }
    return withhold_unquotable(chart, quotable)


def quotable_for(interview: Interview, audience: Audience) -> bool:
    """Whether this interview's own words may appear for this audience."""
    return words_quotable(people_of(interview, audience), audience)


def speaks_for_leadership(interview: Interview) -> bool:
    return all(Perspective(p.perspective) is Perspective.LEADERSHIP for p in interview.people)


def chart_of_voice(interview: Interview, voice: VoiceLayer) -> Flowchart:
    """The frozen chart this voice saw, with the steps and arrows it added."""
    assert interview.version is not None
    return chart_with_voices(leader_chart(interview.version), [voice])


@dataclass(frozen=True)
class RoundShown:
    number: int
    title: str

    @property
    def label(self) -> str:
        return f"Round {self.number}: {self.title}"


@dataclass(frozen=True)
class SettingVoices:
    """One setting's voices for one audience: the version shown, the rounds, the voices (each
    with its round), the chart with what they added, and how many staff voices were left out."""

    setting_code: str
    audience: Audience
    version: FlowchartVersion | None
    rounds: tuple[RoundShown, ...]  # the rounds shown
    available_rounds: tuple[RoundShown, ...]  # every round with voices on this setting
    across_rounds: bool
    chart: Flowchart | None
    voices: tuple[VoiceLayer, ...]
    interviews: tuple[Interview, ...]  # the interviews behind the voices, held order
    left_out: int = 0  # practice voices not shown to the setting's leadership (too few)
    min_group: int = 3
    # (round, version) of chosen rounds' interviews that saw another version than the one shown
    elsewhere: tuple[tuple[int, int], ...] = ()

    @property
    def elsewhere_text(self) -> str:
        """ "Round 2 saw version 1" — what the chart does not show, in words."""
        return "; ".join(f"round {r} saw version {v}" for r, v in self.elsewhere)

    @property
    def version_number(self) -> int | None:
        return self.version.number if self.version else None

    @property
    def step_keys(self) -> list[str]:
        return [s.key for s in self.chart.steps] if self.chart else []


def setting_voices(
    session: Session,
    setting: Setting,
    audience: Audience = Audience.RESEARCH,
    round_choice: RoundChoice = None,
    version_number: int | None = None,
) -> SettingVoices:
    """A setting's voices in one round (the latest by default) or across rounds.

    The version shown is the one asked for, else the newest version seen in the chosen rounds
    (else the newest frozen version, else the newest).
    """
    annotated = _return_interviews(session, setting)
    available = _rounds_of(annotated)
    across = round_choice == ALL_ROUNDS
    if across:
        chosen = available
    elif isinstance(round_choice, int):
        chosen = tuple(r for r in available if r.number == round_choice)
    else:
        chosen = available[-1:]
    numbers = {r.number for r in chosen}
    in_rounds = [i for i in annotated if i.round.number in numbers]
    version = _version_shown(setting, in_rounds, version_number)
    interviews = tuple(i for i in in_rounds if version is not None and i.version_id == version.id)
    load_voices(session, interviews)
    if version is not None:
        load_chart(session, version)
    voices, left_out = for_audience(
        [voice_of(i, audience) for i in interviews], audience, setting.project.min_group_size
    )
    chart = (
        chart_with_voices(leader_chart(version, audience=audience), voices)
        if version is not None
        else None
    )
    # A chart shows one version: rounds (or interviews) that saw another are named, not mixed in.
    shown_rounds = {i.round.number for i in interviews}
    elsewhere = sorted(
        {
            (i.round.number, i.version.number)
            for i in in_rounds
            if i.version is not None and (version is None or i.version_id != version.id)
        }
    )
    return SettingVoices(
        setting_code=setting.code,
        audience=audience,
        version=version,
        rounds=tuple(r for r in chosen if r.number in shown_rounds) if interviews else chosen,
        elsewhere=tuple(elsewhere),
        available_rounds=available,
        across_rounds=across,
        chart=chart,
        voices=tuple(voices),
        interviews=interviews,
        left_out=left_out,
        min_group=setting.project.min_group_size,
    )


def for_audience(
    voices: list[VoiceLayer], audience: Audience, minimum: int
) -> tuple[list[VoiceLayer], int]:
    """The voices as this audience may see them, round by round, and how many were left out."""
    if audience.per_person:
        return voices, 0
    shown: list[VoiceLayer] = []
    left_out = 0
    for number in sorted({v.round_number for v in voices}):
        kept, dropped = combine_practice([v for v in voices if v.round_number == number], minimum)
        shown += kept
        left_out += dropped
    return shown, left_out


def load_voices(session: Session, interviews: Sequence[Interview]) -> None:
    """Everything ``voice_of`` reads for these interviews, in one statement per kind of row
    rather than several per interview. What an interview has loaded already stays as it is."""
    if not interviews:
        return
    session.scalars(
        select(Interview)
        .where(Interview.id.in_([i.id for i in interviews]))
        .options(
            joinedload(Interview.round),
            selectinload(Interview.people).joinedload(InterviewParticipant.participant),
            selectinload(Interview.marks),
            selectinload(Interview.notes).joinedload(NoteRow.link),
            selectinload(Interview.added_links),
            selectinload(Interview.added_steps).joinedload(Step.group),
        )
    ).all()


def load_chart(session: Session, version: FlowchartVersion) -> None:
    """Everything ``leader_chart`` reads for this version — its steps with their groups and the
    answers (and so the people) their words came from, and its arrows — in a few statements."""
    session.scalars(
        select(FlowchartVersion)
        .where(FlowchartVersion.id == version.id)
        .options(
            joinedload(FlowchartVersion.setting).joinedload(Setting.project),
            selectinload(FlowchartVersion.steps).options(
                joinedload(Step.group),
                joinedload(Step.source_answer)
                .joinedload(Answer.interview)
                .selectinload(Interview.people)
                .joinedload(InterviewParticipant.participant),
            ),
            selectinload(FlowchartVersion.links),
        )
    ).all()


def _return_interviews(session: Session, setting: Setting) -> list[Interview]:
    """The setting's interviews that were shown a flowchart, in the order they were held, with
    their round and version (what choosing the rounds reads)."""
    return list(
        session.scalars(
            select(Interview)
            .where(Interview.setting_id == setting.id, Interview.version_id.is_not(None))
            .options(joinedload(Interview.round), joinedload(Interview.version))
            .order_by(Interview.held_on, Interview.id)
        )
    )


def _rounds_of(interviews: Iterable[Interview]) -> tuple[RoundShown, ...]:
    rounds = {i.round.number: RoundShown(i.round.number, i.round.title) for i in interviews}
    return tuple(rounds[n] for n in sorted(rounds))


def _version_shown(
    setting: Setting, interviews: Sequence[Interview], wanted: int | None
) -> FlowchartVersion | None:
    versions = sorted(setting.versions, key=lambda v: v.number)
    if wanted is not None:
        return next((v for v in versions if v.number == wanted), None)
    seen = [i.version for i in interviews if i.version is not None]
    if seen:
        return max(seen, key=lambda v: v.number)
    frozen = [v for v in versions if v.is_frozen]
    return frozen[-1] if frozen else (versions[-1] if versions else None)
