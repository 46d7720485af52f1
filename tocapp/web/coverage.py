"""Coverage: per round and setting, who has been interviewed and which roles are not yet heard.

The source wished for exactly this ("seeing which roles have not yet been heard in a round"), so
the page answers it directly; every member may read it, as it shows labels, never real names.
"""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from tocapp.extensions import db
from tocapp.models import Project
from tocapp.services.access import load_in
from tocapp.services.coverage import study_coverage

bp = Blueprint("coverage", __name__)


@bp.get("/studies/<int:project_id>/coverage")
def show(project_id: int) -> str:
    project, role = load_in(db.session, current_user, Project, project_id, project_id)
    return render_template(
        "coverage/show.html",
        project=project,
        role=role,
        rounds=study_coverage(db.session, project),
    )
