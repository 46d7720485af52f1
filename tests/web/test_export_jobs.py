"""A PDF or Word export of a chart too big to draw within a request is built in the background:
the link explains and offers to build it, the job page follows it, and the file downloads."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from tocapp.extensions import db
from tocapp.models import ReportJob, Setting


@pytest.fixture
def small_limit(app, comparison_demo):
    app.config["EXPORT_IN_REQUEST_MAX_STEPS"] = 3  # the demo's charts have about ten steps
    project_id, nur_id = comparison_demo
    return project_id, nur_id


@pytest.mark.parametrize(("document", "fmt"), [("voices", "pdf"), ("flowchart", "docx")])
def test_a_big_export_is_built_in_the_background(client, small_limit, document, fmt):
    project_id, nur_id = small_limit
    url = f"/studies/{project_id}/settings/{nur_id}/exports/{document}.{fmt}?audience=leadership"
    offer = client.get(url)
    page = html.unescape(offer.get_data(as_text=True))
    assert offer.status_code == 200 and "This document is large" in page
    assert db.session.scalar(select(ReportJob)) is None  # a GET only offers; nothing is queued
    fields = dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', page))
    assert fields["export"] == document and fields["audience"] == "leadership"
    started = client.post(f"/studies/{project_id}/exports/jobs", data={**fields, "fmt": fmt})
    assert started.status_code == 303
    job = db.session.scalar(select(ReportJob))
    assert job.state == "done" and job.download_name.endswith(f".{fmt}")
    job_page = html.unescape(client.get(started.headers["Location"]).get_data(as_text=True))
    assert (
        "A large document, built in the background · made for The setting's leadership" in job_page
    )
    with client.get(f"/studies/{project_id}/comparison/reports/{job.id}/download") as response:
        data = response.get_data()
    assert response.status_code == 200
    assert data.startswith(b"%PDF" if fmt == "pdf" else b"PK")


def test_small_exports_still_download_at_once(client, comparison_demo):
    project_id, nur_id = comparison_demo
    response = client.get(f"/studies/{project_id}/settings/{nur_id}/exports/voices.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")


def test_big_export_requests_are_checked(client, auth, small_limit, make_user):
    project_id, nur_id = small_limit
    base = f"/studies/{project_id}/exports/jobs"
    assert (
        client.post(base, data={"export": "nope", "target": nur_id, "fmt": "pdf"}).status_code
        == 400
    )
    assert (
        client.post(base, data={"export": "voices", "target": 999999, "fmt": "pdf"}).status_code
        == 404
    )
    other = db.session.scalar(select(Setting).where(Setting.code == "PRI"))
    assert other is not None
    auth.logout()
    auth.login(make_user())
    assert (
        client.post(base, data={"export": "voices", "target": nur_id, "fmt": "pdf"}).status_code
        == 404
    )
