"""Check a page in the browser with axe-core for WCAG 2.0, 2.1 and 2.2 A and AA.

axe-core is the npm package in ``tests/browser/package.json``, installed into
``tests/browser/node_modules`` by ``scripts/setup.sh --with-test-tools`` (``npm ci``, from the
committed lock file). A missing axe-core fails the test with that instruction: it never skips.

Why ``page.evaluate`` and not ``page.add_script_tag``: our Content Security Policy allows only
scripts from our own origin, so the inline ``<script>`` that ``add_script_tag`` writes is refused.
Playwright's ``evaluate`` runs through the DevTools protocol, which the page's CSP does not govern,
so axe runs on the page exactly as served: the real CSP stays on (no ``bypass_csp``), and no
extra element is added to the document that axe then inspects.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

AXE_PATH = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")
_TARGETS_SHOWN = 3
_HTML_SHOWN = 160


@cache
def axe_source() -> str:
    """The text of axe.min.js; fails the test (never skips) when setup has not installed it."""
    if not AXE_PATH.is_file():
        pytest.fail(
            f"axe-core is not installed ({AXE_PATH} is missing). Run "
            "./scripts/setup.sh --with-test-tools (it runs npm ci --prefix tests/browser).",
            pytrace=False,
        )
    return AXE_PATH.read_text(encoding="utf-8")


def axe_violations(page: Page, *, rules: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Run axe-core on the page as it is now, for WCAG 2.0/2.1/2.2 A and AA; its violations.

    ``rules`` runs only those axe rules instead (faster, for a second look at the same page).
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # A function body, so that axe's UMD wrapper sees no module system and sets window.axe.
        page.evaluate("() => {\n" + axe_source() + "\n}")
    result: dict[str, Any] = page.evaluate(
        """async ([tags, rules]) => {
            const result = await window.axe.run(document, {
                runOnly: rules.length ? {type: "rule", values: rules} : {type: "tag", values: tags},
                resultTypes: ["violations"],
            });
            return {violations: result.violations.map((rule) => ({
                id: rule.id,
                impact: rule.impact,
                help: rule.help,
                helpUrl: rule.helpUrl,
                nodes: rule.nodes.map((node) => ({
                    target: node.target.map(String).join(" "),
                    html: node.html,
                    summary: node.failureSummary,
                })),
            }))};
        }""",
        [list(WCAG_TAGS), list(rules)],
    )
    return result["violations"]


def describe_violations(violations: list[dict[str, Any]]) -> str:
    """One paragraph per broken rule: id, impact, help, and its first few elements."""
    lines = []
    for rule in violations:
        nodes = rule["nodes"]
        lines.append(f"- {rule['id']} ({rule['impact']}): {rule['help']} [{len(nodes)} elements]")
        for node in nodes[:_TARGETS_SHOWN]:
            html = " ".join(node["html"].split())
            if len(html) > _HTML_SHOWN:
                html = html[: _HTML_SHOWN - 1] + "…"
            lines.append(f"    {node['target']}  {html}")
        if len(nodes) > _TARGETS_SHOWN:
            lines.append(f"    … and {len(nodes) - _TARGETS_SHOWN} more")
    return "\n".join(lines)


def assert_no_axe_violations(page: Page, *, context: str) -> None:
    """Fail, listing every violation, unless axe-core finds none on the page as it is now.

    ``context`` says which page and state this was (it starts the failure message).
    """
    violations = axe_violations(page)
    if violations:
        pytest.fail(
            f"axe-core found {len(violations)} WCAG A/AA rule(s) broken on {context} "
            f"({page.url}):\n{describe_violations(violations)}",
            pytrace=False,
        )
