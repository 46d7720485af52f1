"""Template helpers shared by every page."""

from __future__ import annotations

from datetime import date

from flask import Flask

from tocapp.domain.comparison import cell_text
from tocapp.domain.people import Audience, Perspective
from tocapp.domain.theory import Theme
from tocapp.services.voice_read import label_of


def register_filters(app: Flask) -> None:
    # A global, not a context processor: the comparison's macros are imported without context
    # and also rendered outside any request for the PDF.
    app.jinja_env.globals["cell_text"] = cell_text
    # The one way a page names an interview's voice (services.voice_read), never role alone.
    app.jinja_env.globals["voice_label"] = label_of

    @app.template_filter("ukdate")
    def ukdate(value: date | None) -> str:
        return value.strftime("%-d %B %Y") if value else ""

    @app.context_processor
    def inject_vocabulary() -> dict[str, object]:
        return {
            "THEMES": list(Theme),
            "PERSPECTIVES": list(Perspective),
            "AUDIENCES": list(Audience),
        }
