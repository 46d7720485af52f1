"""The comparison page keeps its report as HTML by the study's revision and the choice: a repeat
view builds nothing, any change in the study or another choice builds anew, and a report with
real names is never kept on disk."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tocapp.extensions import db
from tocapp.models import Setting
from tocapp.services import studies
from tocapp.web import comparisons


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Each report the page builds, by its choice."""
    made: list[Any] = []
    real = comparisons.build_report

    def counting(session: Any, project: Any, choice: Any, *args: Any, **kwargs: Any) -> Any:
        made.append(choice)
        return real(session, project, choice, *args, **kwargs)

    monkeypatch.setattr(comparisons, "build_report", counting)
    return made


def test_a_repeat_view_builds_nothing_and_shows_the_same_report(client, comparison_demo, builds):
    project_id, _ = comparison_demo
    url = f"/studies/{project_id}/comparison"
    first = client.get(url)
    assert first.status_code == 200 and len(builds) == 1
    again = client.get(url)
    assert again.status_code == 200 and len(builds) == 1
    assert again.data == first.data
    assert client.get(url + "?detail=off").status_code == 200 and len(builds) == 2


def test_a_change_in_the_study_is_seen(client, comparison_demo, builds):
    project_id, nur_id = comparison_demo
    url = f"/studies/{project_id}/comparison"
    assert b"NUR" in client.get(url).data
    setting = db.session.get(Setting, nur_id)
    studies.update_setting(
        db.session, None, setting, studies.SettingFields(setting.name, "NURX", setting.kind)
    )
    db.session.commit()
    assert b"NURX" in client.get(url).data and len(builds) == 2


def test_a_report_with_real_names_is_not_kept(app, client, comparison_demo, builds):
    project_id, _ = comparison_demo
    url = f"/studies/{project_id}/comparison?audience=identified"
    assert client.get(url).status_code == 200
    assert not list(Path(app.config["RENDER_CACHE_DIR"]).rglob("*.comparison.html"))
    assert client.get(url).status_code == 200 and len(builds) == 2
