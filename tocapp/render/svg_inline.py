"""Graphviz's SVG made fit to sit inside an HTML page.

The XML prolog, DOCTYPE and comments go; the root gets ``role="img"``, an ``aria-label`` and a
``<title>`` with the chart's title, and a width of 100% with its viewBox kept, so it scales. Each
box's hover text becomes a ``<title>`` (Graphviz puts internal names like "n3" there), and bold
fonts are written the way browsers understand.

Graphviz's own output is changed by a few edits of its text (svg_inline_graphviz), which copy the
text Graphviz escaped; anything else — or Graphviz output laid out otherwise — is parsed and
serialised by ElementTree, so every piece of user text in it is XML-escaped.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from tocapp.render.svg_inline_graphviz import FALLBACK_FONTS, graphviz_svg_for_inline

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
_SVG = f"{{{SVG_NS}}}"
_XLINK_TITLE = f"{{{XLINK_NS}}}title"


def _register_svg_namespaces() -> None:
    """Make ElementTree write ``<svg>`` and ``xlink:``, not ``ns0:svg``.

    ElementTree's default_namespace option refuses plain attribute names, so the SVG namespace is
    registered as the default instead. That is a process-wide setting which other libraries change
    too (importing WeasyPrint does), so it is set again before every serialisation.
    """
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)


def svg_for_inline(svg_bytes: bytes, title: str, *, id_prefix: str = "") -> str:
    """Return the SVG as a string to embed in HTML, labelled with ``title`` for screen readers.

    ``id_prefix`` is put before every id, for pages that show more than one chart.
    """
    if svg_bytes.startswith(b"<?xml"):
        try:
            edited = graphviz_svg_for_inline(svg_bytes.decode("utf-8"), title, id_prefix)
        except UnicodeDecodeError:
            edited = None
        if edited is not None:
            return edited
    return svg_for_inline_by_tree(svg_bytes, title, id_prefix=id_prefix)


def svg_for_inline_by_tree(svg_bytes: bytes, title: str, *, id_prefix: str = "") -> str:
    """``svg_for_inline`` for any SVG: parsed, changed and written out again."""
    _register_svg_namespaces()
    root = ET.fromstring(svg_bytes)
    if root.tag != f"{_SVG}svg":
        raise ValueError("Not an SVG document.")
    for attribute in ("width", "height"):
        root.attrib.pop(attribute, None)
    root.set("width", "100%")
    root.set("preserveAspectRatio", "xMidYMin meet")
    root.set("role", "img")
    root.set("aria-label", title)
    title_element = ET.Element(f"{_SVG}title")
    title_element.text = title
    root.insert(0, title_element)

    _retitle_shapes(root)
    for element in root.iter():
        _fix_font(element)
        if id_prefix and "id" in element.attrib:
            element.set("id", id_prefix + element.attrib["id"])
    return ET.tostring(root, encoding="unicode")


_REFERENCE = re.compile(r"url\(#([^)]+)\)")


def prefix_svg_ids(svg: str, prefix: str) -> str:
    """Put ``prefix`` before every id in an SVG and in every reference to one (``url(#id)``,
    ``href="#id"``), so several charts can share a page without their ids colliding.

    Only attributes are rewritten, never text, so a label that happens to read ``url(#x)`` stays.
    The XML prolog and DOCTYPE are dropped, as HTML wants.
    """
    _register_svg_namespaces()
    root = ET.fromstring(svg.encode("utf-8"))
    ids = {element.get("id") for element in root.iter()} - {None}

    def renamed(match: re.Match[str]) -> str:
        name = match.group(1)
        return f"url(#{prefix}{name})" if name in ids else match.group(0)

    for element in root.iter():
        for attribute, value in element.attrib.items():
            if attribute == "id":
                element.set("id", prefix + value)
            elif attribute.endswith("href") and value.startswith("#") and value[1:] in ids:
                element.set(attribute, f"#{prefix}{value[1:]}")
            elif "url(#" in value:
                element.set(attribute, _REFERENCE.sub(renamed, value))
    return ET.tostring(root, encoding="unicode")


def _retitle_shapes(root: ET.Element) -> None:
    """Swap Graphviz's internal names for each shape's tooltip, and unwrap the tooltip links."""
    for group in root.iter(f"{_SVG}g"):
        classes = group.get("class", "").split()
        if not {"graph", "node", "edge", "cluster"} & set(classes):
            continue
        for child in list(group):
            if child.tag == f"{_SVG}title":
                group.remove(child)
        if "graph" in classes:
            continue  # the whole drawing: its title is the chart's, set on the root
        tooltip = next(
            (a.get(_XLINK_TITLE) for a in group.iter(f"{_SVG}a") if a.get(_XLINK_TITLE)), None
        )
        if tooltip:
            element = ET.Element(f"{_SVG}title")
            element.text = tooltip
            group.insert(0, element)
    _unwrap_links(root)


def _unwrap_links(parent: ET.Element) -> None:
    """Replace each tooltip-only ``<a>``, and the ``<g>`` round it, by its children: each
    parent's children are set once (5 ms → 1 ms at 200 steps; removing and inserting one by
    one shifted the list each time)."""
    if not len(parent):
        return
    children: list[ET.Element] = []
    unwrapped = False
    for child in parent:
        _unwrap_links(child)
        is_tooltip_link = child.tag == f"{_SVG}a" and not (
            child.get("href") or child.get(f"{{{XLINK_NS}}}href")
        )
        is_link_wrapper = (
            child.tag == f"{_SVG}g"
            and child.get("id", "").startswith("a_")
            and not child.get("class")
        )
        if is_tooltip_link or is_link_wrapper:
            children.extend(child)
            unwrapped = True
        else:
            children.append(child)
    if unwrapped:
        parent[:] = children


def _fix_font(element: ET.Element) -> None:
    family = element.get("font-family")
    if family is None:
        return
    if family.endswith(" Bold"):
        family = family.removesuffix(" Bold")
        element.set("font-weight", "bold")
    element.set("font-family", f"{family}, {FALLBACK_FONTS}")


_RULE = re.compile(r"([^{}]+)\{([^}]*)\}")


def _declarations(css: str) -> list[tuple[str, str]]:
    """ "fill: #fff; stroke-width: 0.8" → [("fill", "#fff"), ("stroke-width", "0.8")]."""
    found = []
    for part in css.split(";"):
        name, colon, value = part.partition(":")
        if colon and name.strip() and value.strip():
            found.append((name.strip(), value.strip()))
    return found


def styles_as_attributes(svg: str) -> str:
    """The same drawing with every ``style`` attribute and ``<style>`` sheet turned into SVG
    presentation attributes, so a page can forbid inline styles (CSP ``style-src 'self'``).

    A sheet's rules for ``*`` or ``svg`` go on the root, where the properties matplotlib puts
    there (line joins and caps) are inherited; an attribute already set is left as it is.
    """
    _register_svg_namespaces()
    root = ET.fromstring(svg.encode("utf-8"))
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag == f"{_SVG}style":
                for selector, body in _RULE.findall(child.text or ""):
                    if selector.strip() in ("*", "svg"):
                        for name, value in _declarations(body):
                            root.attrib.setdefault(name, value)
                parent.remove(child)
    for element in root.iter():
        style = element.attrib.pop("style", None)
        if style:
            for name, value in _declarations(style):
                element.attrib.setdefault(name, value)
    return ET.tostring(root, encoding="unicode")
