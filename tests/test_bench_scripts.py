"""Every benchmark under bench/ still starts: ``--help`` prints its usage and exits cleanly.

The benchmarks are run by hand, for the README's figures; without this, one could rot unseen
(a renamed import, a moved fixture) until the day someone needs its numbers.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
# The scripts (a module such as synthetic_study.py is only imported by them).
SCRIPTS = sorted(
    path.name for path in BENCH.glob("*.py") if 'if __name__ == "__main__":' in path.read_text()
)


def test_there_are_benchmarks() -> None:
    assert {"flowchart_page.py", "pages.py", "comparison_report.py", "dot_versions.py"} <= set(
        SCRIPTS
    )


@pytest.mark.parametrize("script", SCRIPTS)
def test_a_benchmark_prints_its_usage(script: str) -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH / script), "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=BENCH.parent,
    )
    assert result.returncode == 0, result.stderr
    assert "usage:" in result.stdout
