"""The cross references of a study archive, checked after every field has been read: each key
names one object, and each reference names an object the archive holds where the services would
allow it (a mark on a step of the chart that interview showed, an arrow between steps of one
version, a source answer from the same setting).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from tocapp.domain.schedules import BUILT_IN_SCHEDULES
from tocapp.services import archive_format as fmt
from tocapp.services.archive_format import ArchiveError
from tocapp.services.errors import FieldError
from tocapp.services.studies import normalise_code

T = TypeVar("T")


def check_references(study: fmt.StudyArchive) -> None:
    """Every key is unique and every reference names an object the archive holds, where the
    services would allow it: a mark on a step of the chart that interview showed, an arrow
    between steps of one version, a source answer from the same setting."""
    keys = _Keys()
    _unique((g.casefold() for g in study.study.groups), "study.groups", "group name")
    groups = set(study.study.groups)
    if not groups:
        raise ArchiveError("a study needs at least one group.", "study.groups")
    rounds = _unique((r.number for r in study.rounds), "rounds", "round number")
    schedules = set()
    for i, schedule in enumerate(study.schedules):
        keys.add(schedule.key, f"schedules[{i}]")
        schedules.add(schedule.key)
        _unique((q.number for q in schedule.questions), f"schedules[{i}]", "question number")
    _unique((s.code for s in study.settings), "settings", "setting code")
    _unique(
        (p.reference for s in study.settings for p in s.participants),
        "settings",
        "participant reference",
    )
    for i, setting in enumerate(study.settings):
        where = f"settings[{i}]"
        try:
            if normalise_code(setting.code) != setting.code:
                raise FieldError("code", "A setting code is upper case.")
        except FieldError as error:
            raise ArchiveError(str(error), f"{where}.code") from None
        _check_setting(setting, where, keys, groups, rounds, schedules)


def _check_setting(
    setting: fmt.SettingRecord,
    where: str,
    keys: _Keys,
    groups: set[Any],
    rounds: set[Any],
    schedules: set[str],
) -> None:
    people = set()
    _unique((p.number for p in setting.participants), where, "participant number")
    for i, person in enumerate(setting.participants):
        keys.add(person.key, f"{where}.participants[{i}]")
        people.add(person.key)
    answers = set()
    for i, interview in enumerate(setting.interviews):
        keys.add(interview.key, f"{where}.interviews[{i}]")
        _unique((a.number for a in interview.answers), f"{where}.interviews[{i}]", "answer")
        for j, answer in enumerate(interview.answers):
            keys.add(answer.key, f"{where}.interviews[{i}].answers[{j}]")
            answers.add(answer.key)
    versions: dict[str, fmt.VersionRecord] = {}
    _unique((v.number for v in setting.versions), where, "version number")
    for i, version in enumerate(setting.versions):
        at = f"{where}.versions[{i}]"
        keys.add(version.key, at)
        versions[version.key] = version
        _check_steps(version.steps, f"{at}.steps", keys, groups, answers, leader=True)
        _check_lanes(version, at, groups)
        _unique((s.lineage for s in version.steps), at, "step lineage")
        _check_links(version.links, {s.key for s in version.steps}, set(), f"{at}.links", keys)
    for i, interview in enumerate(setting.interviews):
        at = f"{where}.interviews[{i}]"
        _check_interview(interview, at, keys, groups, rounds, schedules, people, versions)


def _check_lanes(version: fmt.VersionRecord, where: str, groups: set[Any]) -> None:
    """A frozen version's lanes are the study's groups, each once."""
    if version.groups is None:
        return
    _unique((g.casefold() for g in version.groups), f"{where}.groups", "group name")
    for i, name in enumerate(version.groups):
        if name not in groups:
            raise ArchiveError(
                f"the group “{name[:40]}” is not one of the study's.", f"{where}.groups[{i}]"
            )


def _check_interview(
    interview: fmt.InterviewRecord,
    where: str,
    keys: _Keys,
    groups: set[Any],
    rounds: set[Any],
    schedules: set[str],
    people: set[str],
    versions: dict[str, fmt.VersionRecord],
) -> None:
    if interview.round not in rounds:
        raise ArchiveError(f"there is no round {interview.round}.", f"{where}.round")
    built_in = {s.key for s in BUILT_IN_SCHEDULES}
    if interview.built_in_schedule is not None and interview.built_in_schedule not in built_in:
        raise ArchiveError("this server has no such built-in schedule.", f"{where}.schedule")
    if interview.schedule is not None and (
        interview.schedule not in schedules or interview.built_in_schedule is not None
    ):
        raise ArchiveError("no such schedule in the archive.", f"{where}.schedule")
    _unique((p.participant for p in interview.people), where, "participant")
    for i, person in enumerate(interview.people):
        if person.participant not in people:
            raise ArchiveError("no such participant in this setting.", f"{where}.people[{i}]")
    if interview.version is None:
        if interview.steps or interview.links or interview.marks or interview.notes:
            raise ArchiveError("only a return interview, which shows a chart, has marks.", where)
        if interview.actions:
            raise ArchiveError("only a return interview has annotation actions.", where)
        return
    version = versions.get(interview.version)
    if version is None:
        raise ArchiveError("no such version of this setting's chart.", f"{where}.version")
    if version.frozen_at is None:
        raise ArchiveError("a version shown at a return interview is frozen.", f"{where}.version")
    _check_steps(interview.steps, f"{where}.steps", keys, groups, set(), leader=False)
    steps = {s.key for s in version.steps} | {s.key for s in interview.steps}
    leader_links = {(ln.source, ln.target) for ln in version.links}
    _check_links(interview.links, steps, leader_links, f"{where}.links", keys)
    links = {ln.key for ln in version.links} | {ln.key for ln in interview.links}
    _unique((m.step for m in interview.marks), f"{where}.marks", "marked step")
    for i, mark in enumerate(interview.marks):
        _require(mark.step, steps, f"{where}.marks[{i}].step", "step on the chart shown")
    _unique((n.number for n in interview.notes), f"{where}.notes", "note number")
    notes = set()
    for i, note in enumerate(interview.notes):
        keys.add(note.key, f"{where}.notes[{i}]")
        notes.add(note.key)
        _require(note.step, steps, f"{where}.notes[{i}].step", "step on the chart shown")
        _require(note.link, links, f"{where}.notes[{i}].link", "arrow on the chart shown")
    own = {
        "step": {s.key for s in interview.steps},
        "link": {ln.key for ln in interview.links},
        "note": notes,
    }
    for i, action in enumerate(interview.actions):
        _check_undo(action, steps, own, f"{where}.actions[{i}].undo")


def _check_undo(
    action: fmt.ActionRecord, steps: set[str], own: dict[str, set[str]], where: str
) -> None:
    undo = action.undo
    if action.kind == "mark":
        _require(undo.step, steps, f"{where}.step", "step on the chart shown")
        if undo.mark is None:
            raise ArchiveError("undoing a mark needs the mark before it.", where)
    elif action.kind == "note_edit":
        _require(undo.note, own["note"], f"{where}.note", "note of this interview")
        if undo.text is None or undo.verbatim is None:
            raise ArchiveError("undoing a note's edit needs the words before it.", where)
    else:
        target = getattr(undo, action.kind)
        _require(target, own[action.kind], f"{where}.{action.kind}", "item of this interview")


def _check_steps(
    steps: list[fmt.StepRecord],
    where: str,
    keys: _Keys,
    groups: set[Any],
    answers: set[str],
    leader: bool,
) -> None:
    for i, step in enumerate(steps):
        at = f"{where}[{i}]"
        keys.add(step.key, at)
        if step.group not in groups:
            raise ArchiveError(f"the study has no group “{step.group[:40]}”.", f"{at}.group")
        if step.text != " ".join(step.text.split()):
            raise ArchiveError("a step's text is on one line, without extra spaces.", at)
        if not leader and (step.source_answer is not None or step.source_quote):
            raise ArchiveError("a step a voice added has no source answer.", at)
        _require(step.source_answer, answers, f"{at}.source_answer", "answer in this setting")
        if step.source_quote and step.source_answer is None:
            raise ArchiveError("quoted words need the answer they come from.", at)


def _check_links(
    links: list[fmt.LinkRecord],
    steps: set[str],
    existing: set[tuple[str, str]],
    where: str,
    keys: _Keys,
) -> None:
    pairs = set(existing)
    for i, link in enumerate(links):
        at = f"{where}[{i}]"
        keys.add(link.key, at)
        _require(link.source, steps, f"{at}.source", "step of the same chart")
        _require(link.target, steps, f"{at}.target", "step of the same chart")
        if link.source == link.target:
            raise ArchiveError("an arrow starts and ends at the same step.", at)
        if (link.source, link.target) in pairs:
            raise ArchiveError("the same arrow is drawn twice.", at)
        pairs.add((link.source, link.target))


def _require(ref: str | None, known: set[str], where: str, what: str) -> None:
    if ref is not None and ref not in known:
        raise ArchiveError(f"it refers to a {what} that is not in the archive.", where)


def _unique(values: Iterable[T], where: str, what: str) -> set[T]:
    seen: set[T] = set()
    for value in values:
        if value in seen:
            raise ArchiveError(f"the {what} “{str(value)[:40]}” appears twice.", where)
        seen.add(value)
    return seen


class _Keys:
    """Every key in the archive names one object only."""

    def __init__(self) -> None:
        self._seen: set[str] = set()

    def add(self, key: str, where: str) -> None:
        if key in self._seen:
            raise ArchiveError(f"the key “{key}” names two objects.", where)
        self._seen.add(key)
