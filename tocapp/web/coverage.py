"""Coverage: per round and setting, who has been interviewed and which roles are not yet heard.

The source wished for exactly this ("seeing which roles have not yet been heard in a round"), so
the page answers it directly; every member may read it, as it shows labels, never real names.
A big study (more than ``COVERAGE_DETAIL_MAX_SETTINGS`` settings) is shown one round at a time
(``?round=N``, the latest round anyone was heard in by default), a line per setting naming who is
not yet heard; ``?setting=<id>`` shows one setting's people in every round.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user

from tocapp.extensions import db
from tocapp.models import Project, Setting
from tocapp.services.access import load_in
from tocapp.services.coverage import latest_round_heard, study_coverage

bp = Blueprint("coverage", __name__)


@bp.get("/studies/<int:project_id>/coverage")
def show(project_id: int) -> str:
    project, role = load_in(db.session, current_user, Project, project_id, project_id)
    setting = _chosen_setting(project)
    big = len(project.settings) > current_app.config["COVERAGE_DETAIL_MAX_SETTINGS"]
    if setting is None and big and project.rounds:
        wanted = request.args.get("round", type=int)
        chosen = next((r for r in project.rounds if r.number == wanted), None)
        chosen = chosen or latest_round_heard(db.session, project) or project.rounds[0]
        return render_template(
            "coverage/by_round.html",
            project=project,
            role=role,
            entry=study_coverage(db.session, project, rounds=[chosen])[0],
        )
    return render_template(
        "coverage/show.html",
        project=project,
        role=role,
        setting=setting,
        rounds=study_coverage(db.session, project, settings=[setting] if setting else None),
    )


def _chosen_setting(project: Project) -> Setting | None:
    """``?setting=<id>``: one setting of this study, or 404."""
    wanted = request.args.get("setting", type=int)
    if wanted is None:
        return None
    setting = next((s for s in project.settings if s.id == wanted), None)
    if setting is None:
        abort(404)
    return setting
