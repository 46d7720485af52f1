"""A participant withdraws: their words and their reference are gone from every page, every
export, every built report and the database; what remains is a record of the withdrawal.

The nursery headteacher of the demo is the hardest case: her round-1 answers are the source of
the map's steps (some quoted word for word), and at the return interview she marked steps, wrote
notes, drew an arrow and added a step. Each of those carries a marker word, so a search for the
markers finds any trace of her that survived.
"""

from __future__ import annotations

import csv
import html
import io
import re
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from sqlalchemy import select, text

from tocapp.extensions import db
from tocapp.models import (
    AuditEntry,
    Interview,
    Participant,
    ReportJob,
    Setting,
    Step,
    Withdrawal,
)
from tocapp.services import voices
from tocapp.services.audit_verify import verify_trail

MARKERS = {
    "answer": "Zanzibarquokka answer",
    "quote": "Zanzibarquokka quote",
    "note": "Zanzibarquokka note",
    "own words": "Zanzibarquokka verbatim",
    "arrow": "Zanzibarquokka arrow",
    "step": "Zanzibarquokka step",
}


@pytest.fixture
def head(app: Any, client: Any, comparison_demo: tuple[int, int]) -> dict[str, Any]:
    """The demo's nursery headteacher with a marker word in everything she contributed."""
    project_id, nur_id = comparison_demo
    nur = db.session.get(Setting, nur_id)
    person = next(p for p in nur.participants if p.role_label == "Headteacher")
    first = next(i for i in nur.interviews if i.version is None)
    first.answers[0].notes += " " + MARKERS["answer"]
    sourced = next(s for s in nur.versions[0].steps if s.source_answer is not None)
    sourced.source_quote = MARKERS["quote"]
    later = next(i for i in nur.interviews if i.version is not None and _heard(i, person))
    steps = nur.versions[0].steps
    voices.add_note(db.session, None, later, MARKERS["note"], step_id=steps[1].id)
    voices.add_note(db.session, None, later, MARKERS["own words"], verbatim=True)
    voices.add_voice_link(db.session, None, later, steps[0].id, steps[-1].id, MARKERS["arrow"])
    group = nur.project.groups[0].id
    voices.add_voice_step(
        db.session, None, later, voices.VoiceStepFields("outcome", group, MARKERS["step"])
    )
    db.session.commit()
    built = client.post(f"/studies/{project_id}/comparison/reports", data={"fmt": "pdf"})
    assert built.status_code == 303
    job = db.session.scalar(select(ReportJob))
    report = Path(app.config["REPORTS_DIR"]) / job.file_name
    assert report.exists()  # built before the withdrawal
    return {
        "project_id": project_id,
        "setting": nur,
        "person": person,
        "reference": person.reference,
        "url": f"/studies/{project_id}/participants/{person.id}/withdraw",
        "report": report,
        "sourced_step": sourced.id,
    }


def _heard(interview: Interview, person: Participant) -> bool:
    return any(p.participant_id == person.id for p in interview.people)


def _withdraw(client: Any, head: dict[str, Any], **fields: str) -> Any:
    data = {
        "withdrawn_on": "2015-09-01",
        "scope": "everything",
        "source_steps": "keep",
        "confirm": head["reference"],
        **fields,
    }
    return client.post(head["url"], data=data)


def test_the_owner_sees_what_will_be_removed_before_confirming(client, head):
    preview = client.post(
        head["url"],
        data={"withdrawn_on": "2015-09-01", "scope": "everything", "source_steps": "keep"},
    )
    page = html.unescape(preview.get_data(as_text=True))
    assert preview.status_code == 200 and "What will be removed" in page
    assert "2 interviews" in page and "2 arrows" in page and "1 step added" in page
    assert db.session.get(Participant, head["person"].id) is not None  # nothing removed yet
    wrong = _withdraw(client, head, confirm="nope")
    assert wrong.status_code == 400 and f"Type {head['reference']} exactly" in wrong.get_data(True)
    assert db.session.get(Participant, head["person"].id) is not None


def test_withdrawal_deletes_every_trace_and_keeps_a_record(app, client, head):
    reference = head["reference"]
    response = _withdraw(client, head)
    assert response.status_code == 303
    done = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"{reference}&#39;s withdrawal is recorded. Removed: 2 interviews" in done
    db.session.expire_all()

    record = db.session.scalar(select(Withdrawal))
    assert record.participant_reference == reference and record.scope == "everything"
    assert record.removed["interviews"] == 2 and record.removed["built reports"] == 1
    assert record.recorded_by.startswith("Demo evaluator")
    assert not head["report"].exists()  # the built report's file is deleted after the commit
    assert not any(Path(app.config["RENDER_CACHE_DIR"]).glob("**/*.svg"))

    # The map step she was the source of stays, as the evaluator's words, without her quote.
    step = db.session.get(Step, head["sourced_step"])
    assert step is not None and step.source_answer_id is None and step.source_quote == ""

    for where, content in _everything_a_person_can_see(client, head):
        for marker in MARKERS.values():
            assert marker not in content, f"{marker!r} is still in {where}"
        if where != "setting page":
            assert reference not in content, f"{reference} is still in {where}"
    setting_page = client.get(
        f"/studies/{head['project_id']}/settings/{head['setting'].id}"
    ).get_data(as_text=True)
    rows = setting_page.split('id="withdrawals-heading"')
    assert reference not in rows[0] and reference in rows[1]  # only in the withdrawal record
    assert "withdrew on 1 September 2015" in rows[1]

    dump = _database_text()
    for marker in MARKERS.values():
        assert marker not in dump, f"{marker!r} is still in the database"
    # Only the withdrawal's record and its own audit entry name her; the trail keeps who did
    # what and when before it, without her reference or words.
    outside_record = _database_text(skip={"withdrawals"}).replace(
        f"{reference} withdrew:", "(the withdrawal's entry)"
    )
    assert reference not in outside_record
    redacted = db.session.scalars(select(AuditEntry).where(AuditEntry.redacted_at.is_not(None)))
    assert len(list(redacted)) >= 10  # her participant, interviews, marks, notes, steps …
    assert verify_trail(db.session).intact


def test_keeping_what_came_before_a_date_removes_only_later_interviews(client, head):
    response = _withdraw(
        client, head, scope="after", keep_before="2015-06-01", source_steps="remove"
    )
    assert response.status_code == 303
    db.session.expire_all()
    person = db.session.get(Participant, head["person"].id)
    assert person.withdrawn_on == date(2015, 9, 1) and not person.consent_participate
    kept = [i for i in head["setting"].interviews if _heard(i, person)]
    assert [i.round.number for i in kept] == [1]  # the round-1 interview, held in January
    page = client.get(f"/studies/{head['project_id']}/settings/{head['setting'].id}/voices")
    text_ = html.unescape(page.get_data(as_text=True))
    assert MARKERS["note"] not in text_ and MARKERS["step"] not in text_
    # She asked to keep her round-1 words, so the map keeps its sources (steps stay).
    assert db.session.get(Step, head["sourced_step"]) is not None
    # A withdrawn participant can no longer be interviewed, and says so.
    form = client.get(
        f"/studies/{head['project_id']}/settings/{head['setting'].id}/return-interviews/new"
    ).get_data(as_text=True)
    assert "Withdrew from the study: cannot be interviewed." in form


def test_removing_source_steps_takes_them_out_of_every_version(client, head):
    assert _withdraw(client, head, source_steps="remove").status_code == 303
    db.session.expire_all()
    assert db.session.get(Step, head["sourced_step"]) is None
    record = db.session.scalar(select(Withdrawal))
    assert record.removed["map steps from their words"] >= 1


def test_only_an_owner_may_record_a_withdrawal(client, auth, head, make_user):
    from tocapp.models import Role
    from tocapp.services import studies

    interviewer = make_user()
    studies.add_member(
        db.session, None, head["setting"].project, interviewer.email, Role.INTERVIEWER
    )
    db.session.commit()
    auth.logout()
    auth.login(interviewer)
    assert client.get(head["url"]).status_code == 403
    assert _withdraw(client, head).status_code == 403
    auth.logout()
    auth.login(make_user())
    assert client.get(head["url"]).status_code == 404


def _everything_a_person_can_see(client: Any, head: dict[str, Any]) -> list[tuple[str, str]]:
    """Every page of the study and every export, as text a person (or a search) would read."""
    project_id = head["project_id"]
    found: list[tuple[str, str]] = []
    pages = [
        f"/studies/{project_id}",
        f"/studies/{project_id}/coverage",
        f"/studies/{project_id}/comparison",
        f"/studies/{project_id}/comparison?round=all",
    ]
    for setting in db.session.scalars(select(Setting)):
        base = f"/studies/{project_id}/settings/{setting.id}"
        pages += [
            f"{base}/flowchart",
            f"{base}/flowchart/map",
            f"{base}/voices",
            f"{base}/exports",
            f"{base}/exports/flowchart.pdf",
            f"{base}/exports/flowchart.docx",
            f"{base}/exports/voices.pdf",
            f"{base}/exports/voices.docx",
            f"{base}/exports/voices.svg",
            f"{base}/exports/sheet.pdf",
        ]
        for interview in setting.interviews:
            pages.append(f"/studies/{project_id}/interviews/{interview.id}")
            if interview.version is not None:
                pages += [
                    f"/studies/{project_id}/interviews/{interview.id}/voice",
                    f"/studies/{project_id}/interviews/{interview.id}/exports/annotated.pdf",
                    f"/studies/{project_id}/interviews/{interview.id}/exports/annotated.docx",
                ]
    pages += [f"/studies/{project_id}/comparison.csv", f"/studies/{project_id}/comparison.docx"]
    for url in pages:
        response = client.get(url)
        assert response.status_code in (200, 303), (url, response.status_code)
        found.append((url, _readable(response)))
    setting_url = f"/studies/{project_id}/settings/{head['setting'].id}"
    found.append(("setting page", client.get(setting_url).get_data(as_text=True)))
    return found


def _readable(response: Any) -> str:
    """What a reader finds in a response: page text, PDF text, Word text, CSV cells, SVG text."""
    data = response.data
    if data.startswith(b"%PDF"):
        out = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True, check=True)
        return " ".join(out.stdout.decode().split())
    if data.startswith(b"PK"):
        document = Document(io.BytesIO(data))
        cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
        return " ".join([p.text for p in document.paragraphs] + cells)
    body = data.decode("utf-8", errors="replace")
    if response.mimetype == "text/csv":
        return " ".join(" ".join(row) for row in csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split()) + " " + body


def _database_text(skip: set[str] = frozenset()) -> str:
    """Every value of every row of every table, as one string."""
    chunks = []
    for table in db.metadata.sorted_tables:
        if table.name in skip:
            continue
        for row in db.session.execute(text(f'SELECT * FROM "{table.name}"')):
            chunks.append(" ".join(str(value) for value in row))
    return "\n".join(chunks)


def test_a_report_being_built_during_a_withdrawal_is_never_served(app, client, head, monkeypatch):
    """The worker read the study before the withdrawal and writes the file after it: the job
    stays withdrawn and its file is deleted, rather than served with their words."""
    import tocapp.exports.comparison_document as documents
    from tocapp.models import User
    from tocapp.services import report_jobs
    from tocapp.services.comparison import Choice

    user = db.session.scalar(select(User))
    job, _ = report_jobs.start_report_job(
        db.session,
        user,
        head["setting"].project,
        Choice(),
        "docx",
        reports_dir=app.config["REPORTS_DIR"],
        keep_days=7,
    )
    db.session.commit()
    job_id = job.id
    db.session.rollback()
    real = documents.comparison_document

    def build_then_withdraw(report, fmt):
        data = real(report, fmt)  # the study was read before the withdrawal
        db.session.rollback()
        assert _withdraw(client, head).status_code == 303  # the owner withdraws meanwhile
        return data

    monkeypatch.setattr(documents, "comparison_document", build_then_withdraw)
    report_jobs.run_report_job(db.engine, job_id, reports_dir=app.config["REPORTS_DIR"])
    db.session.expire_all()
    job = db.session.get(ReportJob, job_id)
    assert job.state == "failed"
    assert report_jobs.report_file(job, app.config["REPORTS_DIR"], 7) is None
    assert not list(Path(app.config["REPORTS_DIR"]).glob(f"report-{job_id}-*"))


def test_removed_steps_leave_no_words_in_other_voices_undo(client, head):
    """Another voice marked a step mapped from the withdrawn leader's words: once the steps are
    removed, that voice's undo no longer names the step (nor would undo it), and nothing in the
    database holds the step's words."""
    nur = head["setting"]
    other = next(
        i for i in nur.interviews if i.version is not None and not _heard(i, head["person"])
    )
    sourced = db.session.get(Step, head["sourced_step"])
    sourced.text = "Zanzibarquokka mapped step"
    db.session.commit()
    voices.add_note(db.session, None, other, "Their own note", step_id=sourced.id)
    voices.set_mark(db.session, None, other, sourced.id, "achieved")
    db.session.commit()
    voice_url = f"/studies/{head['project_id']}/interviews/{other.id}/voice"
    assert "Marked “Zanzibarquokka" in html.unescape(client.get(voice_url).get_data(True))
    assert _withdraw(client, head, source_steps="remove").status_code == 303
    page = html.unescape(client.get(voice_url).get_data(as_text=True))
    assert "Zanzibarquokka" not in page
    assert "Zanzibarquokka mapped step" not in _database_text()
    undone = client.post(voice_url + "/undo", follow_redirects=True)
    assert "Zanzibarquokka" not in html.unescape(undone.get_data(as_text=True))
