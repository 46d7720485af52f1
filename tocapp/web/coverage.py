"""Coverage: per round and setting, who has been interviewed and which roles are not yet heard.

The source wished for exactly this ("seeing which roles have not yet been heard in a round"), so
the page answers it directly; every member may read it, as it shows labels, never real names.
A big study (more than ``COVERAGE_DETAIL_MAX_SETTINGS`` settings) is shown one round at a time
(``?round=N``, the latest round anyone was heard in by default), a line per setting naming who is
not yet heard; ``?setting=<id>`` shows one setting's people in every round.

What the page shows of the study is kept as HTML under the study's revision (``web.kept_html``):
a repeat view reads one file, not every participant and interview of the study.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user

from tocapp.extensions import db
from tocapp.models import Project, Round, Setting
from tocapp.services.access import load_in
from tocapp.services.coverage import latest_round_heard, setting_count, study_coverage
from tocapp.web import database_int
from tocapp.web.kept_html import kept_html

bp = Blueprint("coverage", __name__)

TITLE = "Who has been interviewed"


@bp.get("/studies/<int:project_id>/coverage")
def show(project_id: int) -> str:
    project, role = load_in(db.session, current_user, Project, project_id, project_id)
    setting = _chosen_setting(project)
    big = setting_count(db.session, project) > current_app.config["COVERAGE_DETAIL_MAX_SETTINGS"]
    if setting is None and big and project.rounds:
        chosen = _chosen_round(project)
        body = kept_html(
            "coverage-round",
            project.id,
            chosen.id,
            lambda: render_template(
                "coverage/_by_round.html",
                project=project,
                entry=study_coverage(db.session, project, rounds=[chosen])[0],
            ),
        )
        title = f"{TITLE} in round {chosen.number}"
        return render_template("coverage/page.html", project=project, title=title, body=body)
    body = kept_html(
        "coverage",
        project.id,
        (None if setting is None else setting.id, role.can_manage_study),
        lambda: render_template(
            "coverage/_every_round.html",
            project=project,
            role=role,
            setting=setting,
            rounds=study_coverage(db.session, project, settings=[setting] if setting else None),
        ),
    )
    return render_template("coverage/page.html", project=project, title=TITLE, body=body)


def _chosen_setting(project: Project) -> Setting | None:
    """``?setting=<id>``: one setting of this study, or 404 (also for what is not an id)."""
    if not request.args.get("setting"):
        return None
    wanted = request.args.get("setting", type=database_int)
    setting = None if wanted is None else db.session.get(Setting, wanted)
    if setting is None or setting.project_id != project.id:
        abort(404)
    return setting


def _chosen_round(project: Project) -> Round:
    """``?round=N``, else the latest round anyone was heard in, else the first."""
    wanted = request.args.get("round", type=database_int)
    chosen = next((r for r in project.rounds if r.number == wanted), None)
    return chosen or latest_round_heard(db.session, project) or project.rounds[0]
