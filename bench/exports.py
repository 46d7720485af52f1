"""How long each exported document takes, beside Graphviz and WeasyPrint doing their part alone.

Run with ``python bench/exports.py [--runs N]``. For synthetic studies of 10, 40 and 80 steps
with 5 voices (the headteacher and four staff, each marking about 60% of the steps, with notes,
a new arrow and, for one voice, a new step), it builds the four documents through the services
(a throwaway SQLite database, no cache) and prints, per document:

* ``data``: gathering the document from the database (privacy rules included);
* ``PDF`` and ``dot``: the whole PDF, beside ``dot -Tsvg`` alone on the DOT of every chart in it;
* ``weasy``: WeasyPrint alone on the very HTML we hand it, and ``PDF/weasy``;
* ``DOCX`` and ``dot png``: the whole Word file, beside ``dot -Tpng`` at 300 dpi alone.

Times are medians of ``--runs`` runs (3 by default), in seconds.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# The imports need the repository on the path (above).
from bench.render_flowchart import synthetic_chart  # noqa: E402
from tocapp import create_app  # noqa: E402
from tocapp.exports.charts import PRINT_DPI  # noqa: E402
from tocapp.exports.docx import render_docx  # noqa: E402
from tocapp.exports.fetcher import STATIC_BASE_URL, StaticFilesFetcher  # noqa: E402
from tocapp.exports.model import ExportDocument, figures_of  # noqa: E402
from tocapp.exports.pdf import document_html, render_pdf  # noqa: E402
from tocapp.extensions import db  # noqa: E402
from tocapp.models import Setting  # noqa: E402
from tocapp.render import flowchart_to_dot  # noqa: E402
from tocapp.services import export_data, flowcharts, interviews, participants, studies, voices  # noqa: E402
from tocapp.services.schedules import ensure_built_in_schedules, schedules_for  # noqa: E402
from tocapp.services.users import create_user  # noqa: E402

SIZES = (10, 40, 80)
ROLES = ("Headteacher", "Teacher", "Teaching assistant", "Teacher", "SENCO")


def median_seconds(action: Callable[[], object], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def synthetic_study(step_count: int, seed: int = 0) -> Setting:
    """A setting with a leader's map of ``step_count`` steps and five return interviews."""
    rng = random.Random(seed)
    owner = create_user(
        db.session, None, f"bench{step_count}@example.test", "Bench", "bench-password"
    )
    project = studies.create_project(
        db.session, owner, studies.ProjectFields(title=f"Bench study {step_count}")
    )
    setting = studies.add_setting(
        db.session, None, project, studies.SettingFields(name="Bench school", code="BEN")
    )
    people = [
        participants.add_participant(
            db.session,
            None,
            setting,
            participants.ParticipantFields(
                role_label=role,
                perspective="leadership" if n == 0 else "practice",
                pseudonym=f"{role} {n}",
                real_name=f"Person {n}",
                consent_participate=True,
                consent_quote=n != 1,
            ),
        )
        for n, role in enumerate(ROLES)
    ]
    first = interviews.record_interview(
        db.session,
        None,
        setting,
        interviews.InterviewFields(
            round_id=project.rounds[0].id,
            held_on=date(2026, 1, 20),
            mode="face-to-face",
            schedule_id=schedules_for(db.session, project)[0].id,
            people=[(people[0].id, people[0].role_label)],
            notes={1: "What the situation is.", 3: "What we will do."},
        ),
    )
    answer = first.answers[0]
    version = flowcharts.current_version(db.session, setting)
    groups = {g.name: g.id for g in project.groups}
    chart = synthetic_chart(step_count, seed)
    ids = {}
    for step in chart.steps:
        fields = flowcharts.StepFields(step.theme.value, groups[step.group], step.text)
        if rng.random() < 0.3:
            fields.source_answer_id, fields.source_quote = answer.id, step.text[:60]
        ids[step.key] = flowcharts.add_step(db.session, None, version, fields).id
    for link in chart.links:
        flowcharts.add_link(
            db.session, None, version, ids[link.source], ids[link.target], link.label
        )
    step_ids = list(ids.values())
    for n, person in enumerate(people):
        interview = voices.start_return_interview(
            db.session,
            None,
            setting,
            interviews.InterviewFields(
                round_id=project.rounds[1].id,
                held_on=date(2026, 7, 10 + n),
                mode="face-to-face",
                people=[(person.id, person.role_label)],
            ),
        )
        for step_id in rng.sample(step_ids, k=int(len(step_ids) * 0.6)):
            voices.set_mark(
                db.session, None, interview, step_id, rng.choice(("achieved", "partly", "elusive"))
            )
        for note in range(3):
            voices.add_note(
                db.session,
                None,
                interview,
                f"Note {note} from voice {n}",
                True,
                rng.choice(step_ids),
            )
        links = {(s.source_step_id, s.target_step_id) for s in version.links}
        while True:
            source, target = rng.sample(step_ids, k=2)
            if (source, target) not in links:
                break
        voices.add_voice_link(
            db.session, None, interview, source, target, "Why they connect", False
        )
        if n == 1:
            voices.add_voice_step(
                db.session,
                None,
                interview,
                voices.VoiceStepFields("action", groups["Staff"], "A step this voice added"),
            )
    db.session.commit()
    return setting


def documents(setting: Setting) -> dict[str, Callable[[], ExportDocument]]:
    staff_voice = sorted(
        (i for i in setting.interviews if i.version is not None), key=lambda i: i.held_on
    )[1]
    return {
        "flowchart": lambda: export_data.flowchart_document(db.session, setting),
        "annotated": lambda: export_data.annotated_document(db.session, staff_voice),
        "voices": lambda: export_data.voices_document(db.session, setting),
        "sheet": lambda: export_data.sheet_document(db.session, setting),
    }


def raw_dot(document: ExportDocument, fmt: str) -> None:
    """``dot`` alone on the DOT of every chart in the document."""
    for figure in figures_of(document):
        source = flowchart_to_dot(figure.chart, figure.annotations).encode()
        command = ["dot", f"-T{fmt}"] + ([f"-Gdpi={PRINT_DPI}"] if fmt == "png" else [])
        subprocess.run(command, input=source, capture_output=True, check=True)


def raw_weasyprint(html: str) -> None:
    """WeasyPrint alone on our HTML (it still needs our fetcher for the stylesheet and fonts)."""
    HTML(string=html, base_url=STATIC_BASE_URL, url_fetcher=StaticFilesFetcher()).write_pdf(
        font_config=FontConfiguration()
    )


def bench(runs: int) -> list[dict[str, Any]]:
    rows = []
    for size in SIZES:
        setting = synthetic_study(size, seed=size)
        for kind, build in documents(setting).items():
            document = build()
            html = document_html(document)
            row: dict[str, Any] = {"steps": size, "document": kind}
            row["data"] = median_seconds(build, runs)
            row["pdf"] = median_seconds(lambda b=build: render_pdf(b()), runs)
            row["dot"] = median_seconds(lambda d=document: raw_dot(d, "svg"), runs)
            row["weasy"] = median_seconds(lambda h=html: raw_weasyprint(h), runs)
            row["docx"] = median_seconds(lambda b=build: render_docx(b()), runs)
            row["dot_png"] = median_seconds(lambda d=document: raw_dot(d, "png"), runs)
            row["charts"] = len(figures_of(document))
            rows.append(row)
            print_row(row)
    return rows


HEADER = (
    f"{'steps':>5} {'document':<10} {'charts':>6} {'data':>6} {'PDF':>6} {'dot':>6} "
    f"{'PDF/dot':>8} {'weasy':>6} {'PDF/weasy':>9} {'DOCX':>6} {'dot png':>7} {'DOCX/png':>8}"
)


def print_row(row: dict[str, Any]) -> None:
    print(
        f"{row['steps']:>5} {row['document']:<10} {row['charts']:>6} {row['data']:>6.2f} "
        f"{row['pdf']:>6.2f} {row['dot']:>6.2f} {row['pdf'] / row['dot']:>7.1f}x "
        f"{row['weasy']:>6.2f} {row['pdf'] / row['weasy']:>8.2f}x "
        f"{row['docx']:>6.2f} {row['dot_png']:>7.2f} {row['docx'] / row['dot_png']:>7.2f}x",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "bench",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/bench.sqlite",
                "RENDER_CACHE_DIR": f"{folder}/render-cache",
            }
        )
        with app.app_context():
            db.create_all()
            ensure_built_in_schedules(db.session)
            print(f"Exports, median of {args.runs} runs, seconds (no render cache)")
            print(HEADER)
            bench(args.runs)
            db.session.remove()
            db.engine.dispose()


if __name__ == "__main__":
    main()
