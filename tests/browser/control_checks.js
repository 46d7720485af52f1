// Every visible control on the page, checked for WCAG 2.5.8 (target at least 24×24 CSS px) and
// 2.4.7/2.4.13 (a focus indicator of at least 2 px with 3:1 contrast against what is behind it).
// Called by test_accessibility.py after a Tab press, so that script focus shows :focus-visible.
() => {
  const MIN = 24;
  const selector = 'a[href], button, input:not([type="hidden"]), select, textarea, summary, ' +
    '[role="button"], [tabindex]:not([tabindex="-1"])';
  const rgb = (text) => {
    const m = text.match(/rgba?\(([\d.]+)[ ,]+([\d.]+)[ ,]+([\d.]+)(?:[ ,/]+([\d.]+))?\)/);
    return m ? [+m[1], +m[2], +m[3], m[4] === undefined ? 1 : +m[4]] : null;
  };
  const luminance = ([r, g, b]) => {
    const c = [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const contrast = (a, b) => {
    const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  };
  // The colour behind an element: the first opaque background above it (white at the top).
  const behind = (el) => {
    for (let up = el; up; up = up.parentElement) {
      const c = rgb(getComputedStyle(up).backgroundColor);
      if (c && c[3] > 0.5) return c;
    }
    return [255, 255, 255, 1];
  };
  const name = (el) => {
    const text = (el.getAttribute("aria-label") || el.textContent || el.value || el.name || "").trim().replace(/\s+/g, " ");
    return `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""} "${text.slice(0, 40)}"`;
  };
  // A link that is a word in a sentence is exempt (2.5.8 "inline"); one that stands alone is not.
  const standsAlone = (el) => {
    const parent = el.parentElement;
    return parent && parent.textContent.trim() === el.textContent.trim();
  };
  // A chart's step (an SVG group) may show focus by the stroke of its shape instead: it counts
  // when focusing changes that stroke to 2 px or more at 3:1 against the chart behind it.
  const shapeOf = (el) => el.querySelector("polygon, rect, path, ellipse, circle");
  const stroke = (shape) => {
    const style = getComputedStyle(shape);
    return {colour: rgb(style.stroke), width: parseFloat(style.strokeWidth)};
  };
  const svgRing = (el, before, back) => {
    const shape = shapeOf(el);
    if (!shape || !before) return false;
    const after = stroke(shape);
    const changed = after.width !== before.width || String(after.colour) !== String(before.colour);
    return changed && after.colour && after.width >= 2 && contrast(after.colour, back) >= 3;
  };
  const small = [], unfocused = [];
  for (const el of document.querySelectorAll(selector)) {
    if (el.closest("[inert]") || !el.checkVisibility({visibilityProperty: true})) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    const isLink = el.matches("a[href]") && !el.matches('[role="button"]');
    if ((!isLink || standsAlone(el)) && el.matches(":not(.visually-hidden, .skip-link)")
        && (box.width < MIN - 0.5 || box.height < MIN - 0.5)) {
      small.push(`${name(el)} is ${Math.round(box.width)}×${Math.round(box.height)}`);
    }
    const inSvg = el instanceof SVGElement;
    const strokeBefore = inSvg && shapeOf(el) ? stroke(shapeOf(el)) : null;
    el.focus({preventScroll: true});
    if (document.activeElement !== el) continue;  // not focusable (e.g. disabled)
    const style = getComputedStyle(el);
    const width = parseFloat(style.outlineWidth);
    const colour = rgb(style.outlineColor);
    const back = behind(el.parentElement || el);
    const outlined = style.outlineStyle !== "none" && width >= 2 && colour && colour[3] === 1
      && contrast(colour, back) >= 3;
    if (!el.matches(":focus-visible") || !(outlined || (inSvg && svgRing(el, strokeBefore, back)))) {
      unfocused.push(`${name(el)}: outline ${style.outlineStyle} ${style.outlineWidth} ` +
        `${style.outlineColor} on ${back.slice(0, 3)}` +
        (colour ? ` (${contrast(colour, back).toFixed(1)}:1)` : ""));
    }
  }
  document.activeElement && document.activeElement.blur();
  return {small, unfocused};
}
