"""The mapping page and its editor fragment: what they show, rendered for a whole page or for htmx.

The views in ``web/flowcharts.py`` change the map; this module only reads and renders. Every
change made with htmx answers with the editor (``flowcharts/_editor.html``) and a message for the
page's live region, so the page and its fragments come from one template and one context.
"""

from __future__ import annotations

from typing import Any

from flask import render_template, request

from tocapp.domain.outline import step_numbers
from tocapp.domain.theory import Theme
from tocapp.extensions import db
from tocapp.models import FlowchartVersion, Link, Setting, Step
from tocapp.services import flowcharts as charts
from tocapp.services import versions
from tocapp.services.interviews import mapping_interviews
from tocapp.web import chart_images, database_int
from tocapp.web.forms.flowchart_forms import LinkForm, StepForm, link_form, step_form
from tocapp.web.interviews import study_trail


def is_htmx() -> bool:
    """A request from htmx on the map page, answered with the editor fragment, not a redirect."""
    return request.headers.get("HX-Request") == "true"


def reading_numbers(version: FlowchartVersion | None) -> dict[int, str]:
    """Reading numbers (S1, A2 …) by step id, the same as the chart and its text version."""
    if version is None:
        return {}
    return {int(key): number for key, number in step_numbers(charts.to_domain(version)).items()}


def cell_from_query(groups: list[Any]) -> dict[str, Any]:
    """A cell's "Add a step here" link fills the add form's theme and group."""
    data: dict[str, Any] = {}
    theme = request.args.get("theme", "")
    if theme in {t.value for t in Theme}:
        data["theme"] = theme
    group_id = request.args.get("group", type=database_int)
    if group_id in {g.id for g in groups}:
        data["group_id"] = group_id
    return data


def arrows_of(step: Step) -> list[Link]:
    return [ln for ln in step.version.links if step.id in (ln.source_step_id, ln.target_step_id)]


def map_context(
    setting: Setting,
    add_form: StepForm | None = None,
    arrow_form: LinkForm | None = None,
) -> dict[str, Any]:
    """What the map page and its editor fragment show."""
    version = charts.latest_version(db.session, setting)
    # A frozen version's grid rows in the lanes it was shown with, as its drawing beside them.
    study_groups = setting.project.groups
    order = charts.lane_indexes([g.id for g in study_groups], version and version.group_order)
    groups = [study_groups[i] for i in order]
    interviews = mapping_interviews(setting)
    numbers = reading_numbers(version)
    if add_form is None:
        add_form = step_form(groups, interviews, data=cell_from_query(groups), fresh=True)
    if arrow_form is None:
        arrow_form = link_form(version.steps if version else [], numbers, fresh=True)
    drawing = None
    if version is not None and version.steps:
        chart = charts.to_domain(version)
        drawing = chart_images.inline_chart(chart, chart.title)
    return {
        "setting": setting,
        "version": version,
        "groups": groups,
        "themes": list(Theme),
        "cells": charts.steps_by_cell(version),
        "links": version.links if version else [],
        "numbers": numbers,
        "interviews": interviews,
        "several_interviews": len(interviews) > 1,
        "add_form": add_form,
        "arrow_form": arrow_form,
        "drawing": drawing,
    }


def map_page(
    setting: Setting,
    add_form: StepForm | None = None,
    arrow_form: LinkForm | None = None,
    status: int = 200,
) -> tuple[str, int]:
    context = map_context(setting, add_form, arrow_form)
    version = context["version"]
    return render_template(
        "flowcharts/map.html",
        **context,
        suggested_themes={n: charts.suggested_theme(n) for n in range(1, 7)},
        shown_at=versions.times_shown(db.session, version) if version else 0,
        trail=study_trail(setting.project, setting),
    ), status


def editor(
    setting: Setting,
    *,
    add_form: StepForm | None = None,
    arrow_form: LinkForm | None = None,
    editing: tuple[Step, StepForm] | None = None,
    deleting: Step | None = None,
    message: str = "",
    error: bool = False,
    focus: str | None = None,
    status: int = 200,
) -> tuple[str, int]:
    """The map's editor (grid, forms, arrows, drawing) for htmx to swap in, with the message for
    the page's live region (an out-of-band swap) and the element to focus next."""
    return render_template(
        "flowcharts/_editor_response.html",
        **map_context(setting, add_form, arrow_form),
        editing=editing,
        deleting=deleting,
        deleting_arrows=arrows_of(deleting) if deleting is not None else [],
        message=message,
        error=error,
        focus=focus,
    ), status
