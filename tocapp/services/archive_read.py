"""Reading an uploaded study archive: every check happens here, before anything is written.

The order matters: the size of the upload, the zip (and the uncompressed size of its members, so
a zip bomb is refused before it is inflated), the manifest's format and version, the checksum,
the JSON, every field's type and limits (``archive_format``), and last every cross reference. A
refusal is an ``ArchiveError`` whose message says where, in words the import page can show.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import types
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import fields, is_dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin, get_type_hints

from tocapp.domain.errors import DomainError
from tocapp.domain.schedules import BUILT_IN_SCHEDULES
from tocapp.services import archive_format as fmt
from tocapp.services.studies import FieldError, normalise_code

T = TypeVar("T")

STUDY_MEMBER = "study.json"
MANIFEST_MEMBER = "manifest.json"
# Whatever the server's MAX_CONTENT_LENGTH, an archive larger than this is not read.
MAX_ARCHIVE_BYTES = 64 * 1024 * 1024
# study.json inflated: about the words of a thousand long interviews. JSON this size becomes
# several times as much memory once parsed, so the cap is what keeps one import affordable.
MAX_STUDY_BYTES = 64 * 1024 * 1024
MAX_MANIFEST_BYTES = 64 * 1024

# The characters base.Form refuses (web/forms/base.py): here too, so an archive cannot bring in
# what no form lets anyone type. Multi-line text keeps newline, carriage return and tab.
_SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f]")
_MULTI_LINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ArchiveError(DomainError):
    """The file is not an archive this server can import; nothing was changed."""

    def __init__(self, problem: str, where: str = "") -> None:
        self.problem, self.where = problem, where
        at = f" (at {where})" if where else ""
        super().__init__(f"This archive cannot be imported{at}: {problem} Nothing was changed.")


def read_archive(data: bytes) -> tuple[fmt.Manifest, fmt.StudyArchive]:
    """The manifest and the study of an uploaded archive, checked from end to end."""
    if len(data) > MAX_ARCHIVE_BYTES:
        raise ArchiveError(f"the file is bigger than {MAX_ARCHIVE_BYTES // 2**20} MB.")
    members = _unzip(data)
    manifest_json = _json(members[MANIFEST_MEMBER], MANIFEST_MEMBER)
    _check_format(manifest_json)
    manifest = parse(fmt.Manifest, manifest_json, MANIFEST_MEMBER)
    if hashlib.sha256(members[STUDY_MEMBER]).hexdigest() != manifest.study_sha256.lower():
        raise ArchiveError(
            "study.json does not match the checksum in manifest.json, so the file was damaged "
            "or changed after it was made."
        )
    return manifest, check_study(_json(members[STUDY_MEMBER], STUDY_MEMBER))


def check_study(study: Any) -> fmt.StudyArchive:
    """study.json's parsed JSON as records, every field and cross reference checked."""
    records = parse(fmt.StudyArchive, study, "study.json")
    check_references(records)
    return records


def _unzip(data: bytes) -> dict[str, bytes]:
    """The two members, each read only up to its cap (a member's stated size can lie)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise ArchiveError("it is not a tocapp study archive (a .zip file).") from None
    with archive:
        names = sorted(info.filename for info in archive.infolist())
        if names != sorted([MANIFEST_MEMBER, STUDY_MEMBER]):
            raise ArchiveError(
                f"a study archive holds {MANIFEST_MEMBER} and {STUDY_MEMBER} and nothing else."
            )
        members = {}
        for name, cap in ((MANIFEST_MEMBER, MAX_MANIFEST_BYTES), (STUDY_MEMBER, MAX_STUDY_BYTES)):
            too_big = ArchiveError(f"{name} is bigger than this server accepts ({cap:,} bytes).")
            if archive.getinfo(name).file_size > cap:
                raise too_big
            try:
                with archive.open(name) as member:
                    content = member.read(cap + 1)
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError):
                raise ArchiveError(f"{name} cannot be read from the zip file.") from None
            if len(content) > cap:
                raise too_big
            members[name] = content
    return members


def _json(content: bytes, name: str) -> Any:
    def no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [k for k, _ in pairs]
        if len(set(keys)) != len(keys):
            raise ArchiveError(f"{name} names the same field twice in one object.")
        return dict(pairs)

    try:
        return json.loads(content.decode("utf-8"), object_pairs_hook=no_repeats)
    except ArchiveError:  # a ValueError too, and already says what is wrong
        raise
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ArchiveError(f"{name} is not valid JSON text.") from None


def _check_format(manifest: Any) -> None:
    """Say plainly when the archive is of another kind or a newer format than this server reads,
    before its fields are checked one by one."""
    if not isinstance(manifest, dict) or manifest.get("format") != fmt.FORMAT_NAME:
        raise ArchiveError("manifest.json does not describe a tocapp study archive.")
    version = manifest.get("format_version")
    if version != fmt.FORMAT_VERSION:
        raise ArchiveError(
            f"its format version is {json.dumps(version)[:20]}, and this server reads version "
            f"{fmt.FORMAT_VERSION} only. Update tocapp, or make the archive on a server of the "
            "same version."
        )


def parse(cls: type[T], value: Any, where: str) -> T:
    """A dataclass of ``archive_format`` from JSON, every field present, typed and in its limits;
    an unknown field is refused too (it may come from a format this server does not know)."""
    if not isinstance(value, dict):
        raise ArchiveError("an object ({…}) was expected.", where)
    hints = _hints(cls)
    unknown = sorted(set(value) - set(hints))
    if unknown:
        raise ArchiveError(f"the field “{unknown[0][:40]}” is not known.", where)
    values = {}
    for name, kind in hints.items():
        if name not in value:
            raise ArchiveError(f"the field “{name}” is missing.", where)
        values[name] = _value(kind, value[name], f"{where}.{name}")
    return cls(**values)


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    """A record's fields and their annotated types, worked out once per record."""
    if cls not in _HINTS:
        assert is_dataclass(cls)
        hints = get_type_hints(cls, include_extras=True)
        _HINTS[cls] = {f.name: hints[f.name] for f in fields(cls)}
    return _HINTS[cls]


def _value(kind: Any, value: Any, where: str, rules: Any = None) -> Any:
    origin, args = get_origin(kind), get_args(kind)
    if origin is Annotated:
        return _value(args[0], value, where, args[1])
    if origin in (Union, types.UnionType):
        inner = next(a for a in args if a is not type(None))
        return None if value is None else _value(inner, value, where)
    if origin is list:
        if not isinstance(value, list):
            raise ArchiveError("a list ([…]) was expected.", where)
        return [_value(args[0], item, f"{where}[{i}]") for i, item in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise ArchiveError("an object ({…}) was expected.", where)
        return {
            _value(args[0], k, where): _value(args[1], v, f"{where}.{k[:40]}")
            for k, v in value.items()
        }
    if is_dataclass(kind):
        return parse(kind, value, where)  # type: ignore[arg-type]
    reader = _SCALARS.get(kind)
    if reader is None:  # a format field of a type the reader was not taught: a bug here
        raise TypeError(f"no reader for {kind!r}")
    return reader(value, where, rules)


def _text(value: Any, where: str, rules: fmt.Text | None) -> str:
    if not isinstance(value, str):
        raise ArchiveError("text was expected.", where)
    rules = rules or fmt.Text(limit=fmt.MAX_KEY)
    if len(value) > rules.limit:
        raise ArchiveError(
            f"the text is {len(value):,} characters long, and at most {rules.limit:,} are allowed.",
            where,
        )
    bad = (_MULTI_LINE if rules.lines else _SINGLE_LINE).search(value)
    if bad is not None:
        raise ArchiveError(
            f"the text holds an invisible control character (U+{ord(bad.group()):04X}).", where
        )
    if rules.required and not value.strip():
        raise ArchiveError("the text is empty.", where)
    if rules.choices and value not in rules.choices:
        choices = ", ".join(c or "(none)" for c in rules.choices)
        raise ArchiveError(f"“{value[:40]}” is not one of: {choices}.", where)
    return value


def _integer(value: Any, where: str, rules: fmt.Whole | None) -> int:
    low, high = (rules or fmt.Whole()).low, (rules or fmt.Whole()).high
    if not isinstance(value, int) or isinstance(value, bool):
        raise ArchiveError("a whole number was expected.", where)
    if not low <= value <= high:
        raise ArchiveError(f"{value} is not a number from {low} to {high}.", where)
    return value


def _boolean(value: Any, where: str, _rules: Any) -> bool:
    if not isinstance(value, bool):
        raise ArchiveError("true or false was expected.", where)
    return value


def _date(value: Any, where: str, _rules: Any) -> date:
    if not isinstance(value, str) or len(value) != 10:
        raise ArchiveError("a date (YYYY-MM-DD) was expected.", where)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ArchiveError("a date (YYYY-MM-DD) was expected.", where) from None


def _datetime(value: Any, where: str, _rules: Any) -> datetime:
    """Times are kept as the database keeps them: UTC without a zone."""
    try:
        when = datetime.fromisoformat(value) if isinstance(value, str) and len(value) < 40 else None
    except ValueError:
        when = None
    if when is None:
        raise ArchiveError("a date and time (YYYY-MM-DDTHH:MM:SS) was expected.", where)
    return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when


_SCALARS: dict[Any, Callable[[Any, str, Any], Any]] = {
    str: _text,
    int: _integer,
    bool: _boolean,
    date: _date,
    datetime: _datetime,
}


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
        _unique((s.lineage for s in version.steps), at, "step lineage")
        _check_links(version.links, {s.key for s in version.steps}, set(), f"{at}.links", keys)
    for i, interview in enumerate(setting.interviews):
        at = f"{where}.interviews[{i}]"
        _check_interview(interview, at, keys, groups, rounds, schedules, people, versions)


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
