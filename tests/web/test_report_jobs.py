"""Comparison reports built as background jobs: start, progress, download, failure, clean-up.

Most tests run jobs eagerly (``JOBS_QUEUE=immediate``); one runs the real worker process on a
SQLite queue, as ``scripts/start.sh`` does.
"""

from __future__ import annotations

import html
import io
import re
import subprocess
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
from docx import Document
from sqlalchemy import func, select

from tests.web.conftest import REAL_NAME
from tocapp import create_app
from tocapp.extensions import db
from tocapp.jobs import JobQueueConfigError, job_queue
from tocapp.models import AuditEntry, Project, ReportJob, Setting
from tocapp.models.base import utcnow
from tocapp.services import report_jobs, report_progress
from tocapp.services.comparison import Choice, build_report


@pytest.fixture
def demo(comparison_demo):
    return comparison_demo


def _pdf_text(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, check=True, text=True
    ).stdout


def _job() -> ReportJob:
    db.session.rollback()  # read what the job's own session committed
    return db.session.scalars(select(ReportJob).order_by(ReportJob.id.desc())).first()


def test_a_pdf_job_builds_the_chosen_report_and_offers_it_for_download(client, demo, tmp_path):
    project_id, nur_id = demo
    response = client.post(
        f"/studies/{project_id}/comparison/reports",
        data={"fmt": "pdf", "setting": str(nur_id), "role": "Teaching assistant"},
    )
    assert response.status_code == 303
    job = _job()
    assert response.headers["Location"].endswith(f"/comparison/reports/{job.id}")
    assert job.state == "done" and job.choice == {
        "setting": [nur_id],
        "role": ["Teaching assistant"],
    }
    # One step per chosen setting, one to draw the charts, then one per page of the PDF and
    # one to draw the file: finished, the bar is full.
    assert job.steps_done == job.steps_total > 3

    page = html.unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    assert (
        "Settings: NUR · Round 2 · roles: Teaching assistant · everything · made for Research team"
        in page
    )
    total = job.steps_total
    assert re.search(rf'<progress id="job-progress" max="{total}" value="{total}">', page)
    download = f"/studies/{project_id}/comparison/reports/{job.id}/download"
    assert f'href="{download}"' in page and "Download the PDF" in page

    status = client.get(f"/studies/{project_id}/comparison/reports/{job.id}.json").get_json()
    assert status["state"] == "done" and status["download_url"] == download
    assert status["file_bytes"] == job.file_bytes > 10_000

    with client.get(download) as pdf:  # a file response keeps its file open until closed
        pdf.get_data()
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["Content-Disposition"].startswith("attachment; filename=")
    assert ".pdf" in pdf.headers["Content-Disposition"]
    text = _pdf_text(pdf.data, tmp_path)
    assert "NUR · round 2 · flowchart version 1" in text
    assert "steps by mark and role" in text
    assert "PRI · round 2" not in text  # only the chosen setting
    assert "Philippa" not in text  # pseudonymised


def test_a_word_job_builds_a_word_file(client, demo, tmp_path):
    project_id, _ = demo
    response = client.post(f"/studies/{project_id}/comparison/reports", data={"fmt": "docx"})
    job = _job()
    assert job.state == "done" and job.download_name.endswith(".docx")
    with client.get(f"{response.headers['Location']}/download") as word:
        word.get_data()
    assert word.mimetype.endswith("wordprocessingml.document")
    (tmp_path / "report.docx").write_bytes(word.data)
    doc = Document(str(tmp_path / "report.docx"))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert any(h.startswith("PRI · round 2") for h in headings)
    assert any(h.startswith("NUR · round 2") for h in headings)
    cells = {c.text for t in doc.tables for r in t.rows for c in r.cells}
    assert "✓ Achieved" in cells
    everything = " ".join([*cells, *(p.text for p in doc.paragraphs)])
    assert REAL_NAME.split()[0] not in everything  # every setting and role: still no name


def test_the_comparison_page_offers_background_reports_with_its_choice(client, demo):
    project_id, nur_id = demo
    page = client.get(f"/studies/{project_id}/comparison?setting={nur_id}").get_data(as_text=True)
    form = page.split(f'action="/studies/{project_id}/comparison/reports"')[1].split("</form>")[0]
    assert f'name="setting" value="{nur_id}"' in form
    assert 'name="fmt" value="pdf"' in form and 'name="fmt" value="docx"' in form
    assert "Reports built recently" not in page

    client.post(f"/studies/{project_id}/comparison/reports", data={"fmt": "pdf"})
    page = client.get(f"/studies/{project_id}/comparison").get_data(as_text=True)
    assert "Reports built recently (1)" in page and "— ready" in page


def test_an_unknown_format_is_refused_and_queues_nothing(client, demo):
    project_id, _ = demo
    response = client.post(f"/studies/{project_id}/comparison/reports", data={"fmt": "xlsx"})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(ReportJob)) == 0


def test_a_failed_build_says_so_offers_a_retry_and_serves_no_file(client, demo, monkeypatch):
    project_id, _ = demo

    def broken(report, fmt):
        raise RuntimeError("WeasyPrint ran out of paper")

    monkeypatch.setattr("tocapp.exports.comparison_document.comparison_document", broken)
    response = client.post(f"/studies/{project_id}/comparison/reports", data={"fmt": "pdf"})
    job = _job()
    assert job.state == "failed" and job.file_name == "" and job.finished_at is not None
    page = html.unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "The report could not be built" in page
    assert "ran out of paper" not in page  # details go to the log, not to the page
    assert "Try again" in page and 'name="fmt" value="pdf"' in page
    assert client.get(f"{response.headers['Location']}/download").status_code == 404


def test_progress_is_committed_while_the_report_is_still_being_read(app, demo, monkeypatch):
    """The worker's long read must not hold SQLite's write lock, or progress could not be saved.

    Each progress write is checked from a third connection while the build is under way.
    """
    project_id, _ = demo
    project = db.session.get(Project, project_id)
    user = project.memberships[0].user
    job, _ = report_jobs.start_report_job(
        db.session,
        user,
        project,
        Choice(),
        "pdf",
        reports_dir=app.config["REPORTS_DIR"],
        keep_days=7,
    )
    job_id = job.id
    db.session.commit()
    seen: list[tuple[int, int, str]] = []
    real_update = report_progress.JobProgress.update

    def update_and_look(self, done, stage, **values):
        real_update(self, done, stage, **values)
        with db.engine.connect() as look:
            row = look.execute(
                select(ReportJob.steps_done, ReportJob.steps_total, ReportJob.stage).where(
                    ReportJob.id == job_id
                )
            ).one()
        seen.append(tuple(row))

    monkeypatch.setattr(report_progress.JobProgress, "update", update_and_look)
    monkeypatch.setattr(report_progress, "PAGES_EVERY", 0.0)  # a small PDF: every page told
    report_jobs.run_report_job(db.engine, job_id, reports_dir=app.config["REPORTS_DIR"])
    settings = len(project.settings)
    steps = report_progress.STEPS
    # Reading the study is the first share of the bar (2%, for a full PDF).
    first = round(steps * report_progress.READING_SHARE["pdf", True] / (settings + 2))
    assert seen[0] == (first, steps, f"Comparing settings: 1 of {settings}")
    assert all(a[0] < b[0] for a, b in zip(seen, seen[1:], strict=False))  # always forward
    assert all(total == steps for _, total, _ in seen)
    assert "Writing the PDF" in seen[-1][2]
    # Writing, the bar moves with the pages WeasyPrint lays out and draws (one document here).
    assert any(re.fullmatch(r"Writing the PDF: page \d+", stage) for _, _, stage in seen)
    assert any(re.fullmatch(r"Writing the PDF: drawing page \d+ of \d+", s) for *_, s in seen)
    total = steps
    db.session.rollback()
    # Finished, with its audit entry for the person who asked, in one transaction.
    done = db.session.execute(
        select(ReportJob.steps_done, ReportJob.steps_total, ReportJob.stage).where(
            ReportJob.id == job_id
        )
    ).one()
    built = db.session.scalars(
        select(AuditEntry.user_id).where(AuditEntry.action == "report.built")
    ).all()
    assert tuple(done) == (total, total, "Ready")
    assert built == [user.id]


def test_old_finished_jobs_and_their_files_are_cleared_when_a_new_one_starts(app, demo):
    project_id, _ = demo
    reports = Path(app.config["REPORTS_DIR"])
    reports.mkdir(parents=True, exist_ok=True)
    project = db.session.get(Project, project_id)
    old, recent = (reports / "old.pdf"), (reports / "recent.pdf")
    for path in (old, recent):
        path.write_bytes(b"%PDF-")
    db.session.add_all(
        [
            ReportJob(
                project=project,
                fmt="pdf",
                state="done",
                file_name="old.pdf",
                created_at=utcnow() - timedelta(days=8),
            ),
            ReportJob(project=project, fmt="pdf", state="done", file_name="recent.pdf"),
        ]
    )
    db.session.commit()
    other_study = Project(title="Another study")
    lost = ReportJob(
        project=project, fmt="pdf", state="queued", created_at=utcnow() - timedelta(days=9)
    )
    elsewhere = ReportJob(
        project=other_study,
        fmt="pdf",
        state="done",
        file_name="elsewhere.pdf",
        created_at=utcnow() - timedelta(days=8),
    )
    (reports / "elsewhere.pdf").write_bytes(b"%PDF-")
    db.session.add_all([other_study, lost, elsewhere])
    db.session.commit()
    user = project.memberships[0].user
    report_jobs.start_report_job(
        db.session, user, project, Choice(), "pdf", reports_dir=reports, keep_days=7
    )
    db.session.commit()
    names = set(db.session.scalars(select(ReportJob.file_name)))
    assert names == {"recent.pdf", "", "elsewhere.pdf"}  # another study's are left alone
    assert db.session.get(ReportJob, lost.id) is None  # an old job that never ran goes too
    assert not old.exists() and recent.exists()

    # The worker's hourly clean-up covers every study.
    assert report_jobs.prune_old_jobs(db.session, None, reports_dir=reports, keep_days=7) == 1
    db.session.commit()
    assert not (reports / "elsewhere.pdf").exists()


def test_a_mistyped_queue_setting_stops_the_app_with_a_clear_message(app_config):
    with pytest.raises(JobQueueConfigError, match="use one of: sqlite, redis, immediate"):
        create_app({**app_config, "JOBS_QUEUE": "sqllite"})
    with pytest.raises(JobQueueConfigError, match="JOBS_REDIS_URL is not set"):
        create_app({**app_config, "JOBS_QUEUE": "redis"})


def test_a_report_whose_worker_stopped_mid_build_offers_a_retry(client, demo):
    """A killed worker can leave a job "running"; 30 minutes without progress, the page says so."""
    project_id, _ = demo
    project = db.session.get(Project, project_id)
    job = ReportJob(
        project=project,
        fmt="docx",
        state="running",
        stage="Comparing settings: 3 of 50",
        started_at=utcnow() - timedelta(minutes=45),
        updated_at=utcnow() - timedelta(minutes=31),
    )
    db.session.add(job)
    db.session.commit()
    url = f"/studies/{project_id}/comparison/reports/{job.id}"
    status = client.get(url + ".json").get_json()
    assert status["retry"] is True and "worker has probably stopped" in status["problem"]
    page = client.get(url).get_data(as_text=True)
    failed = page.split('id="job-failed"')[1].split("</div>")[0]
    assert "hidden" not in failed.split(">")[0] and "Try again" in failed

    job.stage = "Comparing settings: 4 of 50"  # progress: the job is alive again
    db.session.commit()
    assert client.get(url + ".json").get_json()["retry"] is False


def _queued_job(app, project_id, fmt="pdf", choice=None):
    project = db.session.get(Project, project_id)
    job, new = report_jobs.start_report_job(
        db.session,
        project.memberships[0].user,
        project,
        choice or Choice(),
        fmt,
        reports_dir=app.config["REPORTS_DIR"],
        keep_days=7,
    )
    db.session.commit()
    return job, new


def test_asking_twice_for_a_report_being_built_gives_the_same_job(app, demo):
    project_id, nur_id = demo
    first, new = _queued_job(app, project_id)
    assert new
    again, new_again = _queued_job(app, project_id)
    assert (again.id, new_again) == (first.id, False)
    assert _queued_job(app, project_id, fmt="docx")[1]  # another format is another report
    assert _queued_job(app, project_id, choice=Choice(frozenset({nur_id})))[1]  # another choice
    first.state = "done"
    db.session.commit()
    assert _queued_job(app, project_id)[1]  # once built, asking again builds it afresh


def test_a_queue_that_does_not_answer_fails_the_job_with_a_clear_message(
    app, client, demo, monkeypatch
):
    project_id, _ = demo

    def down(self, job_id):
        raise ConnectionError("Redis is not reachable")

    monkeypatch.setattr("tocapp.jobs.JobQueue.enqueue_report", down)
    response = client.post(f"/studies/{project_id}/comparison/reports", data={"fmt": "pdf"})
    assert response.status_code == 303
    job = _job()
    assert job.state == "failed" and job.problem == report_jobs.QUEUE_PROBLEM
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "could not be queued" in page and "Try again" in page


def test_a_worker_stopped_mid_build_marks_its_job_to_try_again(app, demo):
    """Huey signals the tasks a stopping worker interrupts; the job says so at once."""
    from huey.signals import SIGNAL_INTERRUPTED

    project_id, _ = demo
    job, _ = _queued_job(app, project_id)
    job_id = job.id
    job.state = "running"
    db.session.commit()  # and touch nothing until the handler has written
    queue = job_queue(app)
    queue.huey._emit(SIGNAL_INTERRUPTED, queue._build_report.s(job_id))
    job = _job()
    assert job.state == "failed" and job.problem == report_jobs.INTERRUPTED_PROBLEM


def test_progress_the_database_is_too_busy_to_save_does_not_fail_the_report(
    app, client, demo, monkeypatch
):
    from sqlalchemy.exc import OperationalError

    project_id, _ = demo
    real_update = report_progress.JobProgress.update

    def busy_on_the_way(self, done, stage, **values):
        if stage.startswith("Comparing") or stage.startswith("Writing"):
            raise OperationalError("UPDATE report_jobs", {}, Exception("database is locked"))
        return real_update(self, done, stage, **values)

    monkeypatch.setattr(report_progress.JobProgress, "update", busy_on_the_way)
    client.post(f"/studies/{project_id}/comparison/reports", data={"fmt": "pdf"})
    assert _job().state == "done"


def test_an_expired_report_is_not_served_and_can_be_built_again(app, client, demo):
    project_id, _ = demo
    response = client.post(f"/studies/{project_id}/comparison/reports", data={"fmt": "pdf"})
    job = _job()
    job.finished_at = utcnow() - timedelta(days=8)
    db.session.commit()
    assert client.get(f"{response.headers['Location']}/download").status_code == 404
    status = client.get(f"{response.headers['Location']}.json").get_json()
    assert status["download_url"] is None and status["retry"] is True
    assert "has been deleted" in status["problem"]


def test_a_consent_taken_back_withdraws_the_built_reports_and_their_files(app, client, demo):
    from tocapp.services import participants

    project_id, nur_id = demo
    response = client.post(f"/studies/{project_id}/comparison/reports", data={"fmt": "pdf"})
    job = _job()
    built = Path(app.config["REPORTS_DIR"]) / job.file_name
    assert built.exists()
    person = db.session.get(Setting, nur_id).participants[0]
    unchanged = participants.ParticipantFields(
        person.role_label,
        person.perspective,
        consent_participate=person.consent_participate,
        consent_quote=person.consent_quote,
    )
    participants.update_participant(db.session, None, person, unchanged)
    db.session.commit()
    assert _job().state == "done"  # correcting details changes nothing

    participants.update_participant(
        db.session,
        None,
        person,
        participants.ParticipantFields(
            person.role_label, person.perspective, consent_participate=True, consent_quote=False
        ),
    )
    db.session.commit()
    assert client.get(f"{response.headers['Location']}/download").status_code == 404
    status = client.get(f"{response.headers['Location']}.json").get_json()
    assert status["retry"] and "withdrawn consent" in status["problem"]

    report_jobs.prune_old_jobs(db.session, None, reports_dir=app.config["REPORTS_DIR"], keep_days=7)
    db.session.commit()
    assert not built.exists()  # the hourly clean-up deletes the file


def test_a_summary_pdf_job_leaves_out_the_matrices(client, demo, tmp_path):
    project_id, _ = demo
    response = client.post(
        f"/studies/{project_id}/comparison/reports", data={"fmt": "pdf", "detail": "off"}
    )
    job = _job()
    assert job.state == "done" and job.choice == {"detail": ["off"]}
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "a summary, without the step-by-step detail" in page
    with client.get(f"{response.headers['Location']}/download") as pdf:
        text = _pdf_text(pdf.get_data(), tmp_path)
    assert "Left out of this summary" in text and "steps by mark and role" in text
    assert "each voice's mark on each step" not in text.replace("’", "'")
    # Each voice's mark on each outcome is detail too: the overview counts them instead.
    assert "Outcomes side by side" not in text and "Intended outcomes by perspective" in text
    full = client.post(f"/studies/{project_id}/comparison/reports", data={"fmt": "pdf"})
    with client.get(f"{full.headers['Location']}/download") as pdf:
        assert "Outcomes side by side" in _pdf_text(pdf.get_data(), tmp_path)


def test_the_summary_pdf_draws_the_overview_at_print_resolution(client, demo, tmp_path):
    """The overview's pictures are drawn at 150 dots an inch for print, not the 200 of the Word
    file: WeasyPrint compresses every picture again into the file."""
    from PIL import Image
    from pypdf import PdfReader

    from tocapp.exports.comparison_document import PRINT_OVERVIEW_DPI
    from tocapp.render.overview_chart import overview_png

    project_id, _ = demo
    response = client.post(
        f"/studies/{project_id}/comparison/reports", data={"fmt": "pdf", "detail": "off"}
    )
    with client.get(f"{response.headers['Location']}/download") as pdf:
        reader = PdfReader(io.BytesIO(pdf.get_data()))
    sizes = {image.image.size for page in reader.pages for image in page.images}
    report = build_report(db.session, db.session.get(Project, project_id), Choice(detail=False))
    chart = report.overview_charts[0]

    def size(dpi: int) -> tuple[int, int]:
        return Image.open(io.BytesIO(overview_png(chart.rows, chart.title, dpi=dpi))).size

    assert PRINT_OVERVIEW_DPI == 150
    assert size(150) in sizes and size(200) not in sizes


def test_the_pdf_process_starts_while_the_study_is_read_and_stops_if_the_read_fails(
    app, client, demo, monkeypatch
):
    """The child imports WeasyPrint while the worker reads the study (the machine's other CPU);
    a read that fails leaves no child behind."""
    from tocapp.exports import comparison_document

    project_id, _ = demo
    started: list = []
    real_start = comparison_document.pdf_process_started

    @contextmanager
    def start_and_keep(*args, **kwargs):
        with real_start(*args, **kwargs) as process:
            started.append(process.child)
            yield process

    seen_running: list[bool] = []

    def read_failing(*args, **kwargs):
        seen_running.append(bool(started) and started[0].poll() is None)
        raise RuntimeError("the disk went away")

    monkeypatch.setattr(comparison_document, "pdf_process_started", start_and_keep)
    monkeypatch.setattr(report_jobs, "build_report", read_failing)
    client.post(f"/studies/{project_id}/comparison/reports", data={"fmt": "pdf"})
    assert _job().state == "failed"
    assert seen_running == [True]  # started before the read, and waiting
    assert started[0].returncode is not None  # and stopped when the read failed


def test_the_job_page_says_which_part_and_page_is_being_written(client, demo):
    project_id, _ = demo
    job = ReportJob(
        project=db.session.get(Project, project_id),
        fmt="pdf",
        state="running",
        stage="Writing the PDF: part 3 of 8 (page 41)",
        steps_done=4137,
        steps_total=report_progress.STEPS,
    )
    db.session.add(job)
    db.session.commit()
    url = f"/studies/{project_id}/comparison/reports/{job.id}"
    page = html.unescape(client.get(url).get_data(as_text=True))
    assert '<progress id="job-progress" max="10000" value="4137">41%</progress>' in page
    assert "Writing the PDF: part 3 of 8 (page 41) (41%)</p>" in page
    status = client.get(url + ".json").get_json()  # what the page's script shows the same way
    assert (status["stage"], status["steps_done"], status["steps_total"]) == (
        "Writing the PDF: part 3 of 8 (page 41)",
        4137,
        10000,
    )


@pytest.mark.parametrize("in_a_request", [False, True], ids=["worker", "immediate"])
def test_a_chart_a_job_draws_after_a_withdrawal_emptied_the_cache_is_not_kept(
    app, demo, monkeypatch, in_a_request
):
    """The job read the study before the withdrawal committed; the overview it draws can hold
    the withdrawn person's words (a step they added), so it must not stay in the cache."""
    from tocapp.render import overview_chart, render_cache

    folder = Path(app.config["RENDER_CACHE_DIR"])
    real = overview_chart._draw

    def withdrawal_commits_meanwhile(rows, title, out, fmt, dpi):
        render_cache.empty(folder)  # what the withdrawal's commit does, in another worker
        real(rows, title, out, fmt, dpi)

    def overview_files() -> list[Path]:
        return list(folder.rglob("*.overview.png"))

    project_id, _ = demo
    monkeypatch.setattr(overview_chart, "_draw", withdrawal_commits_meanwhile)
    job, _ = _queued_job(app, project_id, choice=Choice(detail=False))
    job_id = job.id
    db.session.commit()  # nothing held open while the job writes
    if in_a_request:  # JOBS_QUEUE=immediate: the job runs inside the request that asked
        with app.test_request_context("/"):
            job_queue(app).enqueue_report(job_id)
    else:  # as the worker runs it
        job_queue(app).enqueue_report(job_id)
    assert _job().state == "done"
    assert overview_files() == []  # drawn for the report, not kept

    monkeypatch.setattr(overview_chart, "_draw", real)
    job, _ = _queued_job(app, project_id, fmt="docx")
    job_id = job.id
    db.session.commit()
    job_queue(app).enqueue_report(job_id)
    assert _job().state == "done" and overview_files()  # no withdrawal: kept as usual
