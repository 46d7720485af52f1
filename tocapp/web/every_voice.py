"""Every voice of a setting on one frozen flowchart version: tallies on each step, where voices
diverge, a steps × voices table, filtered by role or by one voice (?role=, ?voice=, ?version=)."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from tocapp.domain.outline import step_numbers
from tocapp.domain.theory import ordered_steps
from tocapp.domain.voices import divergent_steps, filter_voices, tally_steps
from tocapp.extensions import db
from tocapp.models import FlowchartVersion, Setting
from tocapp.services import voice_layers
from tocapp.services.access import load_in
from tocapp.services.voice_overlays import all_voices_annotations
from tocapp.web import chart_images
from tocapp.web.interviews import study_trail

bp = Blueprint("every_voice", __name__)

SETTING_URL = "/studies/<int:project_id>/settings/<int:setting_id>"


@bp.get(SETTING_URL + "/voices")
def show(project_id: int, setting_id: int) -> str:
    setting, role = load_in(db.session, current_user, Setting, setting_id, project_id)
    version = _shown_version(setting)
    interviews = voice_layers.return_interviews_of(db.session, version) if version else []
    everyone = [voice_layers.voice_layer(i) for i in interviews]
    chosen_role = request.args.get("role") or None
    chosen_voice = request.args.get("voice") or None
    shown = filter_voices(everyone, role=chosen_role, voice_id=chosen_voice)
    shown_interviews = [i for i in interviews if str(i.id) in {v.voice_id for v in shown}]
    chart = voice_layers.chart_with_voices(version, shown_interviews) if version else None
    numbers = step_numbers(chart) if chart else {}
    tallies = tally_steps([s.key for s in chart.steps], shown) if chart else {}
    drawing = None
    if chart is not None and chart.steps:
        drawing = chart_images.inline_chart(
            chart,
            f"{chart.title}, every voice",
            all_voices_annotations([s.key for s in chart.steps], shown),
        )
    return render_template(
        "voices/every_voice.html",
        setting=setting,
        role=role,
        version=version,
        chart=chart,
        steps=ordered_steps(chart.steps, chart.lane_groups()) if chart else [],
        numbers=numbers,
        everyone=everyone,
        shown=shown,
        interviews={str(i.id): i for i in interviews},
        roles=sorted({v.label for v in everyone}),
        chosen_role=chosen_role,
        chosen_voice=chosen_voice,
        tallies=tallies,
        divergent=divergent_steps(tallies),
        drawing=drawing,
        trail=study_trail(setting.project, setting),
    )


def _shown_version(setting: Setting) -> FlowchartVersion | None:
    """The version asked for (?version=N), else the newest one that was shown at interviews."""
    wanted = request.args.get("version", type=int)
    versions = sorted(setting.versions, key=lambda v: v.number)
    if wanted is not None:
        for version in versions:
            if version.number == wanted:
                return version
        abort(404)
    frozen = [v for v in versions if v.is_frozen]
    return frozen[-1] if frozen else (versions[-1] if versions else None)
