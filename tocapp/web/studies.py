"""Studies: the list, creating and editing one, and its overview page."""

from flask import Blueprint, render_template

bp = Blueprint("studies", __name__)


@bp.get("/")
def index() -> str:
    return render_template("studies/index.html", studies=[])
