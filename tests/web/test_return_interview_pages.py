"""A return interview's own pages: its marks and notes live on its chart, so neither its page nor
its edit form offers an empty "Questions and notes" section (issue 14, seen on the way)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tocapp.extensions import db
from tocapp.models import Interview, Round


def _interviews(project_id: int, kind: str) -> list[Interview]:
    return list(
        db.session.scalars(
            select(Interview)
            .join(Round, Interview.round_id == Round.id)
            .where(Round.project_id == project_id, Round.kind == kind)
        )
    )


def test_a_return_interview_shows_no_empty_questions_section(client: Any, comparison_demo):
    project_id, _ = comparison_demo
    returned = _interviews(project_id, "return")[0]
    base = f"/studies/{project_id}/interviews/{returned.id}"
    page = client.get(base).get_data(as_text=True)
    assert "Questions and notes" not in page
    assert "recorded without a schedule" not in page
    assert f"{base}/voice" in page  # where its marks and notes are
    form = client.get(f"{base}/edit").get_data(as_text=True)
    assert "Questions and notes" not in form
    assert 'name="held_on"' in form


def test_a_round_one_interview_still_shows_its_questions(client: Any, comparison_demo):
    project_id, _ = comparison_demo
    first = _interviews(project_id, "initial")[0]
    base = f"/studies/{project_id}/interviews/{first.id}"
    assert "Questions and notes" in client.get(base).get_data(as_text=True)
    assert "Questions and notes" in client.get(f"{base}/edit").get_data(as_text=True)
