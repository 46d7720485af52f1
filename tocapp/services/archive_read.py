"""Reading an uploaded study archive: every check happens here, before anything is written.

The order matters: the size of the upload, the zip (and the uncompressed size of its members, so
a zip bomb is refused before it is inflated), the manifest's format and version, the checksum,
the JSON, every field's type and limits (``archive_format``), and last every cross reference
(``archive_references``). A refusal is an ``ArchiveError`` whose message says where, in words
the import page can show.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import types
import zipfile
from collections.abc import Callable
from dataclasses import MISSING, fields, is_dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any, TypeVar, Union, get_args, get_origin, get_type_hints

from tocapp.services import archive_format as fmt
from tocapp.services.archive_format import ArchiveError
from tocapp.services.archive_references import check_references

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
            # zipfile raises NotImplementedError for a compression method it cannot read and
            # RuntimeError for an encrypted member: both are a bad archive, said as such.
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
    if version not in fmt.FORMAT_VERSIONS_READ or isinstance(version, bool):
        read = " and ".join(str(v) for v in fmt.FORMAT_VERSIONS_READ)
        raise ArchiveError(
            f"its format version is {json.dumps(version)[:20]}, and this server reads versions "
            f"{read} only. Update tocapp, or make the archive on a server of the same version."
        )


def parse(cls: type[T], value: Any, where: str) -> T:
    """A dataclass of ``archive_format`` from JSON, every field present (but one with a default,
    added in a later format), typed and in its limits; an unknown field is refused too (it may
    come from a format this server does not know)."""
    if not isinstance(value, dict):
        raise ArchiveError("an object ({…}) was expected.", where)
    hints = _hints(cls)
    unknown = sorted(set(value) - set(hints))
    if unknown:
        raise ArchiveError(f"the field “{unknown[0][:40]}” is not known.", where)
    values = {}
    for name, kind in hints.items():
        if name not in value:
            if name in _optional(cls):
                continue
            raise ArchiveError(f"the field “{name}” is missing.", where)
        values[name] = _value(kind, value[name], f"{where}.{name}")
    return cls(**values)


_HINTS: dict[type, dict[str, Any]] = {}


def _optional(cls: type) -> set[str]:
    """A record's fields that have a default, so may be missing from an older archive."""
    return {f.name for f in fields(cls) if f.default is not MISSING}


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
