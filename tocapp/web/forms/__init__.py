"""WTForms classes for the web layer, and the two helpers every form page shares."""

from __future__ import annotations

from typing import Any

from flask import flash, render_template
from flask_wtf import FlaskForm

from tocapp.domain.errors import DomainError


def form_page(template: str, form: FlaskForm, **context: Any) -> tuple[str, int]:
    """Render a form page; a submission that failed comes back as 400 with what the user typed."""
    status = 400 if form.is_submitted() else 200
    return render_template(template, form=form, **context), status


def show_refusal(form: FlaskForm, error: DomainError) -> None:
    """Show a service's refusal beside the field it names, else as a flashed message.

    A refusal about a field goes into the form's error summary (role="alert") and beside the
    control (aria-invalid), so flashing it as well would say the same thing a third time.
    """
    name = getattr(error, "field", None)
    if name and name in form:
        form[name].errors = [*form[name].errors, str(error)]
    else:
        flash(str(error), "error")
