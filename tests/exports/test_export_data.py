"""What the documents say, before any layout: labels, withheld quotes, tallies, file names."""

from __future__ import annotations

from datetime import date

import pytest

from tests.exports.helpers import (
    EMAILS,
    LEADER_QUOTE,
    NEW_STEP,
    OPEN_NOTE,
    REAL_NAMES,
    TA_QUOTE,
    WITHHELD_ARROW_NOTE,
    WITHHELD_NOTE,
)
from tocapp.domain.filenames import download_name
from tocapp.domain.outline import step_numbers
from tocapp.domain.people import Audience
from tocapp.exports.model import WITHHELD_QUOTE
from tocapp.extensions import db
from tocapp.services import export_data, voices
from tocapp.services.export_data import ExportOptions, NothingToExport

DAY = date(2026, 9, 1)


def every_document(study, identified=False):
    audience = Audience.IDENTIFIED if identified else Audience.RESEARCH
    options = ExportOptions(audience=audience, today=DAY)
    return [
        export_data.flowchart_document(db.session, study.setting, options),
        export_data.annotated_document(db.session, study.teacher_interview, options),
        export_data.voices_document(db.session, study.setting, options),
        export_data.sheet_document(db.session, study.setting, options),
    ]


def test_people_appear_by_role_and_pseudonym_only(export_study):
    document = export_data.voices_document(db.session, export_study.setting)
    assert [v.label for v in document.voices] == [
        "Teacher, Ms Heron (RIV-P02)",
        "Riverside teaching assistant (RIV-P03)",  # the pseudonym already names the role
        "Headteacher (RIV-P01)",
    ]
    text = repr(every_document(export_study))
    for secret in (*REAL_NAMES, *EMAILS, "Dr Interviewer Person", "Riverside Primary"):
        assert secret not in text


def test_an_identified_export_names_people_but_still_withholds_quotes(export_study):
    text = repr(every_document(export_study, identified=True))
    assert all(name in text for name in REAL_NAMES)
    assert "RIV (Riverside Primary)" in text
    assert not any(email in text for email in EMAILS)
    assert WITHHELD_NOTE not in text and WITHHELD_ARROW_NOTE not in text


def test_verbatim_words_without_consent_are_withheld_and_others_kept(export_study):
    document = export_data.annotated_document(db.session, export_study.teacher_interview)
    notes = {n.number: n for n in document.voice.notes}
    assert notes[1].text == WITHHELD_QUOTE and notes[1].withheld
    assert notes[2].text == OPEN_NOTE  # not verbatim: the interviewer's own words
    assert document.voice.arrows[0].note == WITHHELD_QUOTE
    assert WITHHELD_NOTE not in repr(document)
    ta = export_data.annotated_document(db.session, export_study.ta_interview)
    assert ta.voice.notes[0].text == TA_QUOTE


def test_the_leaders_words_are_withheld_once_consent_is_withdrawn(export_study):
    document = export_data.flowchart_document(db.session, export_study.setting)
    assert document.sources[0].words == LEADER_QUOTE
    export_study.head.consent_quote = False
    db.session.flush()
    document = export_data.flowchart_document(db.session, export_study.setting)
    assert document.sources[0].words == WITHHELD_QUOTE
    assert LEADER_QUOTE not in repr(document)


def test_the_annotated_document_numbers_and_summarises_one_voice(export_study):
    voice = export_data.annotated_document(db.session, export_study.teacher_interview).voice
    assert [(n.number, n.about.split()[0]) for n in voice.notes] == [
        (1, "A1"),
        (2, "A2"),
        (3, "The"),
    ]
    assert voice.arrows[0].source.startswith("A2 ") and voice.arrows[0].target.startswith("O2 ")
    assert [s.text for s in voice.new_steps] == [NEW_STEP]
    assert [(g.mark.value, len(g.steps)) for g in voice.marks] == [
        ("achieved", 1),
        ("partly", 1),
        ("elusive", 1),
    ]
    annotations = voice.figure.annotations
    coach = str(export_study.steps["coach"].id)
    assert annotations.steps[coach].note_numbers == (1,)
    assert any(d.badge == "1" for d in annotations.links.values())


def test_the_all_voices_document_tallies_and_lists_divergence(export_study):
    document = export_data.voices_document(db.session, export_study.setting)
    coach = str(export_study.steps["coach"].id)
    decoration = document.figure.annotations.steps[coach]
    assert (
        decoration.tally
        == "Teacher, Ms Heron (RIV-P02) ✓ · Riverside teaching assistant (RIV-P03) ✗ "
        "· Headteacher (RIV-P01) ✓"
    )
    assert decoration.divergent
    assert [row.number for row in document.divergent] == ["A1"]
    assert "achieved, others elusive" in document.divergent[0].reason


def test_file_names_say_study_setting_round_voice_and_date_but_no_name(export_study):
    documents = every_document(export_study, identified=True)
    names = [download_name(d.title.name_parts, "pdf") for d in documents]
    assert names[0] == "Coaching-study_RIV_round-1_2026-09-01_flowchart-v1_identified.pdf"
    assert (
        names[1] == "Coaching-study_RIV_round-2_Teacher-RIV-P02_2026-07-14_annotated_identified.pdf"
    )
    assert names[2] == "Coaching-study_RIV_round-2_2026-09-01_all-voices_identified.pdf"
    assert names[3] == "Coaching-study_RIV_round-2_2026-09-01_annotation-sheet_identified.pdf"
    assert not any(part in " ".join(names) for part in ("Heron", "Zebedee", "Philippa"))


def test_nothing_to_export_before_anything_is_mapped(make_setting):
    setting = make_setting()
    for build in (
        export_data.flowchart_document,
        export_data.voices_document,
        export_data.sheet_document,
    ):
        with pytest.raises(NothingToExport):
            build(db.session, setting)


def test_in_the_all_voices_document_each_step_keeps_the_number_it_has_on_its_chart(export_study):
    groups = {g.name: g.id for g in export_study.setting.project.groups}
    voices.add_voice_step(
        db.session,
        None,
        export_study.ta_interview,
        voices.VoiceStepFields("action", groups["Staff"], "Teaching assistants share clips"),
    )
    db.session.commit()
    document = export_data.voices_document(db.session, export_study.setting)
    numbers = step_numbers(document.figure.chart)
    by_text = {s.text: numbers[s.key] for s in document.figure.chart.steps}
    for voice in document.voices:
        for row in voice.new_steps:
            assert row.number == by_text[row.text]
    assert len({row.number for v in document.voices for row in v.new_steps}) == 2
