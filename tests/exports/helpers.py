"""A small study built for export tests, and tools to read back what an export shows.

Every person has a distinctive real name and e-mail address that must never appear in a
pseudonymised export; the teacher has not consented to quotation, so their verbatim words must
be withheld wherever they would appear.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from PIL import Image, ImageStat

from tocapp.domain.people import Audience
from tocapp.exports.model import WITHHELD_QUOTE, ExportDocument
from tocapp.extensions import db
from tocapp.models import Interview, Participant, Setting
from tocapp.services import export_data, flowcharts, interviews, voices
from tocapp.services.export_data import ExportOptions
from tocapp.services.flowcharts import StepFields

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "exports"

REAL_NAMES = ("Zebedee Quixworth", "Philippa Grindlethorpe", "Ottoline Brackenbury")
EMAILS = ("zebedee.q@riverside.test", "p.grindlethorpe@riverside.test", "obrack@riverside.test")
LEADER_QUOTE = "Hardly anyone here has had any training in talk"
WITHHELD_NOTE = "I felt nobody listened to me at all"
WITHHELD_ARROW_NOTE = "It all came back to the children in the end"
OPEN_NOTE = "The training day was cancelled twice"
TA_QUOTE = "We watched our own clips together"
STEP_TEXTS = {
    "few": "Few staff trained in supporting talk",
    "arrive": "Children arrive with little spoken English",
    "coach": "Video coaching of teachers and teaching assistants",
    "train": "Whole-staff training day on communication",
    "confident": "Staff confident in supporting talk",
    "talk": "Children talk more in class",
}
NEW_STEP = "Peer observation between teachers"
ARROW_LABEL = "because adults wait longer"
# Never in a pseudonymised export: names, e-mail addresses, the interviewer, the setting's name.
SECRETS = (*REAL_NAMES, *EMAILS, "Dr Interviewer Person", "Riverside Primary")


@dataclass
class ExportStudy:
    setting: Setting
    head: Participant
    teacher: Participant
    ta: Participant
    steps: dict[str, Any]
    teacher_interview: Interview
    ta_interview: Interview
    head_interview: Interview


def make_export_study(
    make_setting: Any,
    make_participant: Any,
    make_interview: Any,
    *,
    texts: dict[str, str] | None = None,
) -> ExportStudy:
    """Round 1 with the headteacher, a six-step map, then three return interviews."""
    texts = {**STEP_TEXTS, **(texts or {})}
    setting = make_setting(name="Riverside Primary", code="RIV")
    head = make_participant(
        setting=setting, role_label="Headteacher", real_name=REAL_NAMES[0], email=EMAILS[0]
    )
    teacher = make_participant(
        setting=setting,
        role_label="Teacher",
        pseudonym="Ms Heron",
        real_name=REAL_NAMES[1],
        email=EMAILS[1],
        consent_quote=False,
    )
    ta = make_participant(
        setting=setting,
        role_label="Teaching assistant",
        pseudonym="Riverside teaching assistant",
        real_name=REAL_NAMES[2],
        email=EMAILS[2],
    )
    first = make_interview(
        participant=head, notes={1: "Few staff are trained.", 3: "We will use video coaching."}
    )
    answers = {a.number: a for a in first.answers}
    version = flowcharts.current_version(db.session, setting)
    groups = {g.name: g.id for g in setting.project.groups}
    plan = [
        ("few", "situation", "Staff", 1, LEADER_QUOTE),
        ("arrive", "situation", "Children", 1, ""),
        ("coach", "action", "Staff", 3, ""),
        ("train", "action", "Staff", None, ""),
        ("confident", "outcome", "Staff", None, ""),
        ("talk", "outcome", "Children", None, ""),
    ]
    steps = {}
    for key, theme, group, answer, quote in plan:
        steps[key] = flowcharts.add_step(
            db.session,
            None,
            version,
            StepFields(
                theme,
                groups[group],
                texts[key],
                answers[answer].id if answer else None,
                quote,
            ),
        )
    for source, target, label in [
        ("few", "coach", ""),
        ("coach", "confident", ""),
        ("train", "confident", ""),
        ("confident", "talk", ARROW_LABEL),
    ]:
        flowcharts.add_link(db.session, None, version, steps[source].id, steps[target].id, label)
    db.session.commit()

    teacher_interview = _return_interview(setting, teacher, date(2026, 7, 14))
    voices.set_mark(db.session, None, teacher_interview, steps["coach"].id, "achieved")
    voices.set_mark(db.session, None, teacher_interview, steps["train"].id, "elusive")
    voices.set_mark(db.session, None, teacher_interview, steps["talk"].id, "partly")
    voices.add_note(
        db.session, None, teacher_interview, WITHHELD_NOTE, True, step_id=steps["coach"].id
    )
    voices.add_note(
        db.session, None, teacher_interview, OPEN_NOTE, False, step_id=steps["train"].id
    )
    voices.add_note(db.session, None, teacher_interview, "Timetable pressure all year", False)
    voices.add_voice_link(
        db.session,
        None,
        teacher_interview,
        steps["train"].id,
        steps["talk"].id,
        WITHHELD_ARROW_NOTE,
        True,
    )
    voices.add_voice_step(
        db.session,
        None,
        teacher_interview,
        voices.VoiceStepFields("action", groups["Staff"], NEW_STEP),
    )

    ta_interview = _return_interview(setting, ta, date(2026, 7, 15))
    voices.set_mark(db.session, None, ta_interview, steps["coach"].id, "elusive")
    voices.add_note(db.session, None, ta_interview, TA_QUOTE, True, step_id=steps["coach"].id)

    head_interview = _return_interview(setting, head, date(2026, 7, 16))
    voices.set_mark(db.session, None, head_interview, steps["coach"].id, "achieved")
    voices.set_mark(db.session, None, head_interview, steps["confident"].id, "achieved")
    db.session.commit()
    return ExportStudy(
        setting, head, teacher, ta, steps, teacher_interview, ta_interview, head_interview
    )


def _return_interview(setting: Setting, participant: Participant, held_on: date) -> Interview:
    return voices.start_return_interview(
        db.session,
        None,
        setting,
        interviews.InterviewFields(
            round_id=setting.project.rounds[1].id,
            held_on=held_on,
            mode="face-to-face",
            interviewer="Dr Interviewer Person",
            people=[(participant.id, participant.role_label)],
        ),
    )


DAY = date(2026, 9, 1)


def build(study: ExportStudy, kind: str, identified: bool = False) -> ExportDocument:
    """One document of the export study, of the given kind."""
    audience = Audience.IDENTIFIED if identified else Audience.RESEARCH
    options = ExportOptions(audience=audience, today=DAY)
    if kind == "annotated":
        return export_data.annotated_document(db.session, study.teacher_interview, options)
    return getattr(export_data, f"{kind}_document")(db.session, study.setting, options)


def expected_text(kind: str) -> list[str]:
    """What a reader must find in each kind of document, beyond its title block."""
    steps = list(STEP_TEXTS.values())
    return {
        "flowchart": [*steps, LEADER_QUOTE, ARROW_LABEL, "Text version", "Headteacher"],
        "annotated": [
            *steps,
            NEW_STEP,
            OPEN_NOTE,
            WITHHELD_QUOTE,
            "Teacher, Ms Heron",
            "✓ Achieved",
            "✗ Elusive",
            "Marks summary",
        ],
        "voices": [
            *steps,
            NEW_STEP,
            OPEN_NOTE,
            TA_QUOTE,
            WITHHELD_QUOTE,
            "Teacher, Ms Heron",
            "Riverside teaching assistant",
            "Headteacher",
            "Where voices differ",
        ],
        "sheet": [*steps, "Achieved", "Partly achieved", "Elusive", "Other notes"],
    }[kind]


def pdf_text(pdf: bytes) -> str:
    """The PDF's text as pdftotext reads it, with runs of whitespace made single spaces."""
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return " ".join(result.stdout.decode("utf-8").split())


def pdf_page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    """Each page's width and height in points, from pdfinfo."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(pdf)
        handle.flush()
        out = subprocess.run(
            ["pdfinfo", "-f", "1", "-l", "999", handle.name], capture_output=True, check=True
        ).stdout.decode()
    return [
        (float(w), float(h))
        for w, h in re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", out)
    ]


def save_pages_as_png(pdf: bytes, name: str, pages: int = 3, dpi: int = 45) -> list[Path]:
    """The first pages as PNG under test-artifacts/exports/, for people to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "doc.pdf"
        source.write_bytes(pdf)
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                str(dpi),
                "-png",
                "-f",
                "1",
                "-l",
                str(pages),
                source,
                f"{folder}/p",
            ],
            check=True,
        )
        saved = []
        for index, page in enumerate(sorted(Path(folder).glob("p-*.png")), start=1):
            target = ARTIFACTS / f"{name}-page{index}.png"
            shutil.copyfile(page, target)
            saved.append(target)
    return saved


def pixel_variance(png: Path | bytes) -> float:
    """Greyscale variance: about 0 for a blank page, well above for text and drawings."""
    source = io.BytesIO(png) if isinstance(png, bytes) else png
    with Image.open(source) as image:
        return float(ImageStat.Stat(image.convert("L")).var[0])
