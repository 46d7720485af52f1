"""Drafts: the JSON endpoints that the forms' script (static/js/drafts.js) keeps text in.

Only the author reads or writes their drafts; the key names the form, and the author must be
allowed to fill that form in (404 for another study's or an unknown object, as everywhere).
A save answers ``{"saved_at": …}``, or ``{"settled": true}`` when everything in it is saved
already; a draft that is too long is refused with ``{"error": …}`` and status 400.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from flask_login import current_user

from tocapp.domain.errors import DomainError
from tocapp.extensions import db
from tocapp.models import Draft, Project
from tocapp.services import drafts
from tocapp.services.access import load
from tocapp.web.acting import acting_user

bp = Blueprint("drafts", __name__)

DRAFTS_URL = "/studies/<int:project_id>/drafts"
MAX_KEYS = 500


@bp.get(DRAFTS_URL)
def show(project_id: int) -> Any:
    """The author's drafts of the forms named by ``?key=`` (one or more: a voice page has a note
    box per step, asked about in one request), as ``{"drafts": {key: draft or null}}``."""
    keys = list(dict.fromkeys(request.args.getlist("key")[:MAX_KEYS])) or [""]
    places = drafts.places_of(db.session, current_user, project_id, keys)
    found = drafts.drafts_for(db.session, current_user, places)
    return jsonify(drafts={key: _as_json(draft) for key, draft in found.items()})


@bp.post(DRAFTS_URL)
def save(project_id: int) -> Any:
    load(db.session, current_user, Project, project_id)  # a non-member learns nothing: 404
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict) or not isinstance(payload.get("fields"), dict):
        return jsonify(error="Send the draft as JSON: {key, fields}."), 400
    place = drafts.place_of(db.session, current_user, project_id, str(payload.get("key", "")))
    try:
        draft = drafts.save_draft(db.session, acting_user(), place, payload["fields"])
    except DomainError as error:
        return jsonify(error=str(error)), 400
    if draft is None:
        return jsonify(settled=True)
    return jsonify(settled=False, saved_at=_timestamp(draft))


@bp.post(DRAFTS_URL + "/discard")
def discard(project_id: int) -> Any:
    payload = request.get_json(silent=True)
    key = str(payload.get("key", "")) if isinstance(payload, dict) else ""
    place = drafts.place_of(db.session, current_user, project_id, key)
    drafts.forget(db.session, acting_user(), place.key)
    return jsonify(discarded=True)


def _as_json(draft: Draft | None) -> dict[str, Any] | None:
    if draft is None:
        return None
    return {"key": draft.key, "fields": draft.fields, "saved_at": _timestamp(draft)}


def _timestamp(draft: Draft) -> str:
    return draft.saved_at.isoformat() + "Z"  # stored in UTC without a zone
