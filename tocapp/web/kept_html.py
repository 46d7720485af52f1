"""HTML a study's page keeps rendered, under the study's revision.

A part of a page that shows only the study's data (the comparison's report, coverage) is kept
in the render cache under a key that costs one indexed statement: the study's revision (its audit
chain's length and head, ``services.study_revision``: any change in the study is a new key), what
the reader chose, and the application's code. A repeat view reads one file instead of the study.
Only what may be on disk is kept: labels and codes, never real names (those parts are made
afresh). A part whose drawing failed for now (Graphviz too slow) is not kept, so it is tried
again. A withdrawal, a study's erasure and a consent taken back empty the render cache.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import request
from flask_login import current_user
from markupsafe import Markup

from tocapp.extensions import db
from tocapp.render.drawing_key import code_fingerprint, content_key
from tocapp.services.study_revision import study_revision
from tocapp.web.chart_images import render_cache


@dataclass(frozen=True)
class Unkept:
    """HTML to show this once and not keep: its drawing failed for now, and is tried again."""

    html: str


def kept_html(
    kind: str, project_id: int, choice: object, make: Callable[[], str | Unkept]
) -> Markup:
    """The HTML ``make()`` renders with Jinja (autoescaped) for ``choice`` of the study, from the
    render cache while the study has not changed. ``choice`` must name everything the HTML
    depends on besides the study's data (plain data: see ``render.drawing_key.content_key``)."""
    key = content_key(
        kind,
        code_fingerprint(),
        request.script_root,
        project_id,
        choice,
        study_revision(db.session, project_id),
    )
    cache = render_cache()
    suffix = f"{kind}.html"
    kept = cache.read(key, suffix)
    # Rendered by Jinja with autoescaping, so it is safe to place as markup.
    if kept is not None:
        return Markup(kept.decode("utf-8"))
    # A miss: what the view read before the revision (the study, a setting, its rounds) is read
    # again. On PostgreSQL each statement sees the latest commit, so a change committed between
    # those reads and the revision would otherwise be kept with its old values under the new key.
    # The reader's own account is not the study's, and stays loaded.
    reader = current_user._get_current_object()
    for loaded in list(db.session.identity_map.values()):
        if loaded is not reader:
            db.session.expire(loaded)
    made = make()
    if isinstance(made, Unkept):
        return Markup(made.html)
    cache.write(key, suffix, made.encode("utf-8"))
    return Markup(made)
