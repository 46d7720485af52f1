"""The comparison's CSV is streamed: sent a chunk at a time, each chunk's rows made only as it is
written, and the whole the same as every row of the report."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from sqlalchemy import select

from tocapp.domain.comparison import CSV_COLUMNS
from tocapp.extensions import db
from tocapp.models import Project
from tocapp.services.comparison import Choice, build_report
from tocapp.web.comparisons import _csv_chunks


def test_the_csv_is_a_streamed_response_with_every_row(client, comparison_demo):
    project_id, _ = comparison_demo
    response = client.get(f"/studies/{project_id}/comparison.csv")
    assert response.status_code == 200 and response.is_streamed
    sent = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    report = build_report(db.session, db.session.scalar(select(Project)), Choice())
    assert sent == report.rows and len(sent) > 40


def test_rows_are_made_only_as_each_chunk_is_written():
    made: list[int] = []

    def rows() -> Iterator[dict[str, str]]:
        for n in range(5):
            made.append(n)
            yield {column: f"={n}" if column == "step_text" else str(n) for column in CSV_COLUMNS}

    chunks = _csv_chunks(rows(), per_chunk=2)
    first = next(chunks).decode("utf-8")
    assert len(made) == 2  # the rest not made yet
    assert first.startswith("\ufeffsetting,round,") and first.count("\r\n") == 3
    rest = b"".join(chunks).decode("utf-8")
    assert len(made) == 5 and rest.count("\r\n") == 3
    assert "'=4" in rest  # still kept from being read as a formula


def test_an_empty_report_is_still_a_header():
    assert (
        b"".join(_csv_chunks(iter([]))).decode("utf-8") == "\ufeff" + ",".join(CSV_COLUMNS) + "\r\n"
    )
