"""The real job worker process, as ``scripts/start.sh`` runs it: on the default SQLite queue, and
on a Redis queue (a throwaway ``redis-server`` on a free local port)."""

from __future__ import annotations

import subprocess
import time

import pytest
from sqlalchemy import select

from tests.web.conftest import REAL_NAME
from tocapp.extensions import db
from tocapp.jobs import job_queue
from tocapp.models import ReportJob


@pytest.fixture(params=["sqlite", "redis"])
def app_config(request, app_config, tmp_path):
    """The test app, but with a real queue: nothing runs inside the request."""
    if request.param == "sqlite":
        return {**app_config, "JOBS_QUEUE": "sqlite", "JOBS_SQLITE_PATH": str(tmp_path / "q.db")}
    return {
        **app_config,
        "JOBS_QUEUE": "redis",
        "JOBS_REDIS_URL": request.getfixturevalue("redis_url"),
    }


def test_the_worker_process_builds_a_queued_report(
    app, app_config, client, comparison_demo, start_job_worker, tmp_path
):
    project_id, _ = comparison_demo
    response = client.post(f"/studies/{project_id}/comparison/reports", data={"fmt": "pdf"})
    location = response.headers["Location"]
    db.session.rollback()
    assert db.session.scalar(select(ReportJob.state)) == "queued"
    queue = job_queue(app).huey
    assert (
        type(queue).__name__
        == {"sqlite": "SqliteHuey", "redis": "RedisHuey"}[app_config["JOBS_QUEUE"]]
    )
    assert queue.pending_count() == 1
    page = client.get(location).get_data(as_text=True)
    assert '<progress id="job-progress"></progress>' in page  # waiting: an indeterminate bar
    assert "Waiting for the report worker" in page

    worker = start_job_worker(app_config)
    log = tmp_path / "worker-0.log"
    deadline = time.monotonic() + 60
    status = {}
    while time.monotonic() < deadline:
        status = client.get(f"{location}.json").get_json()
        if status["state"] in ("done", "failed"):
            break
        assert worker.poll() is None, log.read_text()
        time.sleep(0.2)
    assert status["state"] == "done", log.read_text()
    with client.get(status["download_url"]) as pdf:
        pdf.get_data()
    assert pdf.data.startswith(b"%PDF-")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf.data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    assert "PRI · round 2 · flowchart version 1" in text
    assert REAL_NAME.split()[0] not in text  # every setting and role, and still no name
    assert job_queue(app).huey.pending_count() == 0
