"""Charts to draw, and ways to read back what Graphviz drew."""

from __future__ import annotations

import random
import xml.etree.ElementTree as ET

from tocapp.domain.theory import Flowchart, Link, Step, Theme

SVG = "{http://www.w3.org/2000/svg}"
XLINK_TITLE = "{http://www.w3.org/1999/xlink}title"
GROUPS = ("Staff", "Children", "Parents")
_WORDS = [
    "children",
    "staff",
    "parents",
    "talk",
    "listen",
    "coaching",
    "video",
    "training",
    "audit",
    "language",
    "communication",
    "confidence",
    "vocabulary",
    "stories",
    "questions",
    "thinking",
    "time",
    "practice",
    "reflection",
    "classroom",
    "nursery",
    "assistants",
    "teachers",
    "modelling",
    "routines",
    "outcomes",
    "progress",
    "culture",
    "shared",
    "concepts",
]


def small_chart() -> Flowchart:
    """Three steps in two groups, two arrows, one of them labelled."""
    return Flowchart(
        title="Small school",
        groups=("Staff", "Children"),
        steps=(
            Step("s1", Theme.SITUATION, "Staff", "Staff have little time to talk together"),
            Step("a1", Theme.ACTION, "Staff", "Weekly video coaching"),
            Step("o1", Theme.OUTCOME, "Children", "Children talk more in class"),
        ),
        links=(Link("s1", "a1"), Link("a1", "o1", "through modelling")),
    )


def synthetic_chart(step_count: int, link_count: int, seed: int = 0) -> Flowchart:
    """A chart shaped like real ones: most arrows go one column right, a few stay or go back."""
    rng = random.Random(seed)
    themes = list(Theme)
    steps = []
    for i in range(step_count):
        words = rng.randint(3, 22)
        text = " ".join(rng.choice(_WORDS) for _ in range(words)).capitalize()
        group = rng.choices(GROUPS, weights=(5, 4, 2))[0]
        steps.append(Step(f"k{i}", themes[i % 3], group, text))
    by_theme = {t: [s.key for s in steps if s.theme is t] for t in themes}
    links: dict[tuple[str, str], Link] = {}
    attempts = 0
    while len(links) < link_count and attempts < link_count * 50:
        attempts += 1
        roll = rng.random()
        source_theme = rng.choice(themes[:2]) if roll < 0.85 else rng.choice(themes)
        if roll < 0.7:
            target_theme = themes[source_theme.position + 1]
        elif roll < 0.85:
            target_theme = source_theme
        elif roll < 0.95:
            source_theme, target_theme = Theme.SITUATION, Theme.OUTCOME
        else:
            target_theme = themes[max(source_theme.position - 1, 0)]
        if not by_theme[source_theme] or not by_theme[target_theme]:
            continue
        source = rng.choice(by_theme[source_theme])
        target = rng.choice(by_theme[target_theme])
        if source == target or (source, target) in links:
            continue
        label = rng.choice(("", "", "", "because staff see it work"))
        links[(source, target)] = Link(source, target, label)
    return Flowchart("Synthetic setting", GROUPS, tuple(steps), tuple(links.values()))


def parse_svg(svg: bytes) -> ET.Element:
    return ET.fromstring(svg)


def groups_with_class(root: ET.Element, css_class: str) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if css_class in g.get("class", "").split()]


def texts(element: ET.Element) -> list[str]:
    """The text lines drawn inside an element, in drawing order."""
    return [t.text or "" for t in element.iter(f"{SVG}text")]


def step_texts(root: ET.Element) -> dict[str, list[str]]:
    """Each step box's id and its drawn lines."""
    return {g.get("id", ""): texts(g) for g in groups_with_class(root, "step")}


def polygon_top(element: ET.Element) -> float:
    """The highest y (smallest value; SVG y grows downwards) of an element's first polygon."""
    polygon = element.find(f"{SVG}polygon")
    assert polygon is not None
    return min(float(p.split(",")[1]) for p in polygon.get("points", "").split())
