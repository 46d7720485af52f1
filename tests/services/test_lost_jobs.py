"""A report left "running" by a worker process that died is marked failed when a worker starts
again on the same host, so its page offers "Try again" at once; other hosts' jobs are left."""

from __future__ import annotations

import os
import socket
import subprocess

from tocapp.extensions import db
from tocapp.models import ReportJob
from tocapp.services.report_jobs import LOST_WORKER_PROBLEM, fail_jobs_of_dead_workers


def _dead_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_jobs_of_dead_processes_on_this_host_fail_and_the_rest_stay(app, make_project):
    project = make_project()
    host = socket.gethostname()
    workers = {
        "dead": f"{host}:{_dead_pid()}",
        "alive": f"{host}:{os.getpid()}",
        "elsewhere": "another-server:1",
    }
    jobs = {
        name: ReportJob(project=project, fmt="pdf", state="running", worker=worker)
        for name, worker in workers.items()
    }
    db.session.add_all(jobs.values())
    db.session.commit()
    assert fail_jobs_of_dead_workers(db.session) == 1
    db.session.commit()
    assert jobs["dead"].state == "failed" and jobs["dead"].problem == LOST_WORKER_PROBLEM
    assert jobs["alive"].state == "running" and jobs["elsewhere"].state == "running"


def test_a_job_being_built_records_its_worker(app, client, auth, make_user, make_project):
    owner = make_user()
    project = make_project(owner=owner)
    auth.login(owner)
    client.post(f"/studies/{project.id}/comparison/reports", data={"fmt": "docx"})
    job = db.session.query(ReportJob).one()
    assert job.state == "done" and job.worker == f"{socket.gethostname()}:{os.getpid()}"


def test_a_full_or_read_only_reports_folder_says_so_and_leaves_no_part_file(
    app, client, auth, make_user, make_project, monkeypatch
):
    import errno
    from pathlib import Path

    owner = make_user()
    project = make_project(owner=owner)
    auth.login(owner)
    real_write = Path.write_bytes
    for code, words in ((errno.ENOSPC, "folder is full"), (errno.EROFS, "cannot be written to")):

        def refuse(self, data, code=code):
            if self.suffix == ".part":
                real_write(self, data[:10])  # half a file on disk, then the disk gives up
                raise OSError(code, "refused")
            return real_write(self, data)

        monkeypatch.setattr(Path, "write_bytes", refuse)
        client.post(f"/studies/{project.id}/comparison/reports", data={"fmt": "docx"})
        job = db.session.query(ReportJob).order_by(ReportJob.id.desc()).first()
        assert job.state == "failed" and words in job.problem, job.problem
        assert not list(Path(app.config["REPORTS_DIR"]).glob("*.part"))
        monkeypatch.setattr(Path, "write_bytes", real_write)
