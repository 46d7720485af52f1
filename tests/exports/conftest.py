"""Fixtures for export tests: the export study, and documents built from it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.exports.helpers import ExportStudy, make_export_study


@pytest.fixture
def export_study(make_setting: Any, make_participant: Any, make_interview: Any) -> ExportStudy:
    return make_export_study(make_setting, make_participant, make_interview)
