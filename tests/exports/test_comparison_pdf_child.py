"""The comparison's PDF child process when its parent is gone: the folder it was given holds the
report's words (real names, in an identified report), and nobody else is left to delete it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def test_a_child_whose_parent_stopped_listening_deletes_the_report_folder(tmp_path: Path) -> None:
    folder = tmp_path / "tocapp-comparison-x"
    (folder / "charts").mkdir(parents=True)
    (folder / "report.html").write_text(
        "<html><body><h1>Ms Real Name's setting</h1><p>words</p></body></html>", encoding="utf-8"
    )
    child = subprocess.Popen(
        [sys.executable, "-m", "tocapp.exports.comparison_pdf_process", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdin is not None and child.stdout is not None
    child.stdin.write(f"{folder}\n")
    child.stdin.close()
    child.stdout.close()  # as when the worker is killed: the child's progress reaches no one
    assert child.stderr is not None
    with child.stderr:
        errors = child.stderr.read()
    assert child.wait(timeout=120) == 3, errors
    assert not folder.exists()


def test_a_child_that_is_heard_writes_its_pdf_and_leaves_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "tocapp-comparison-y"
    (folder / "charts").mkdir(parents=True)
    (folder / "report.html").write_text("<html><body><p>words</p></body></html>", "utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "tocapp.exports.comparison_pdf_process", "-"],
        input=f"{folder}\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.splitlines()[0] == "part 1 1"  # its progress, heard
    assert (folder / "report.pdf").read_bytes().startswith(b"%PDF")
