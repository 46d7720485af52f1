"""Every voice of a setting in one round (the latest by default) or across rounds: tallies on each
step, where voices diverge, a steps × voices table, filtered by role or by one voice
(?round=N|all, ?role=, ?voice=, ?version=, ?audience=leadership to preview what the setting's
leadership would see). Voices come from the one read model, ``services.voice_read``."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from tocapp.domain.outline import step_numbers
from tocapp.domain.people import Audience
from tocapp.domain.theory import ordered_steps
from tocapp.domain.voices import chart_with_voices, divergent_steps, filter_voices, tally_steps
from tocapp.extensions import db
from tocapp.models import Role, Setting
from tocapp.services.access import load_in
from tocapp.services.voice_overlays import all_voices_annotations
from tocapp.services.voice_read import (
    ALL_ROUNDS,
    RoundChoice,
    SettingVoices,
    leader_chart,
    parse_round_choice,
    setting_voices,
)
from tocapp.web import chart_images, database_int
from tocapp.web.interviews import study_trail
from tocapp.web.kept_html import Unkept, kept_html

bp = Blueprint("every_voice", __name__)

SETTING_URL = "/studies/<int:project_id>/settings/<int:setting_id>"


# The query's parts the page depends on, besides the study's data and the reader's role.
CHOICES = ("round", "role", "voice", "version", "audience")


@bp.get(SETTING_URL + "/voices")
def show(project_id: int, setting_id: int) -> str:
    """The page around its body, which is kept as HTML under the study's revision
    (``web.kept_html``): a repeat view reads no voice, builds no chart and tallies nothing."""
    setting, role = load_in(db.session, current_user, Setting, setting_id, project_id)
    choice = (setting.id, role.can_record, *(request.args.get(name) for name in CHOICES))
    body = kept_html("every-voice", project_id, choice, lambda: _body(setting, role))
    return render_template(
        "voices/every_voice.html",
        setting=setting,
        body=body,
        trail=study_trail(setting.project, setting),
    )


def _body(setting: Setting, role: Role) -> str | Unkept:
    audience = Audience.LEADERSHIP if request.args.get("audience") == "leadership" else None
    read = setting_voices(
        db.session,
        setting,
        audience or Audience.RESEARCH,
        _round_choice(),
        request.args.get("version", type=database_int),
    )
    if request.args.get("version") and read.version is None:
        abort(404)
    chosen_role = request.args.get("role") or None
    chosen_voice = request.args.get("voice") or None
    shown = filter_voices(read.voices, role=chosen_role, voice_id=chosen_voice)
    version = read.version
    chart = (
        chart_with_voices(leader_chart(version, audience=read.audience), shown) if version else None
    )
    keys = [s.key for s in chart.steps] if chart else []
    drawing = None
    if chart is not None and chart.steps:
        drawing = chart_images.inline_chart(
            chart, f"{chart.title}, every voice", all_voices_annotations(keys, shown)
        )
    tallies = tally_steps(keys, shown)
    html = render_template(
        "voices/_every_voice_body.html",
        setting=setting,
        role=role,
        read=read,
        audience=audience,
        version=version,
        chart=chart,
        steps=ordered_steps(chart.steps, chart.lane_groups()) if chart else [],
        numbers=step_numbers(chart) if chart else {},
        everyone=read.voices,
        shown=shown,
        roles=sorted({v.role for v in read.voices}),
        chosen_role=chosen_role,
        chosen_voice=chosen_voice,
        tallies=tallies,
        divergent=divergent_steps(tallies),
        drawing=drawing,
    )
    failed = drawing is not None and drawing.svg is None
    return Unkept(html) if failed or not _recognised(read, chosen_role, chosen_voice) else html


def _recognised(read: SettingVoices, chosen_role: str | None, chosen_voice: str | None) -> bool:
    """Whether the page was asked only for what the setting has (a round, role, voice and
    version of its own): only such pages are kept, so a made-up query cannot fill the cache."""
    asked = request.args
    rounds = {str(r.number) for r in read.available_rounds} | {"", ALL_ROUNDS}
    version = asked.get("version", "")
    return (
        asked.get("round", "") in rounds
        and asked.get("audience", "") in ("", "leadership")
        and (not version or (read.version is not None and version == str(read.version.number)))
        and (chosen_role is None or chosen_role in {v.role for v in read.voices})
        and (chosen_voice is None or chosen_voice in {v.voice_id for v in read.voices})
    )


def _round_choice() -> RoundChoice:
    return parse_round_choice(request.args.get("round", ""))
