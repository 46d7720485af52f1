// Return interview page (voices/annotate.html). The page works without this file: every action
// is a plain form that saves and comes back. With it:
// - htmx (loaded before this file) sends each form and swaps in only the parts the answer holds,
//   so the chart is redrawn in place; this file keeps focus where it was, says what was saved in
//   the live region, lets a refused save's form (400, 409) be swapped in beside its message, and
//   keeps the words typed into note boxes and the arrow form when the whole step list is redrawn
//   (a step added or undone renumbers the steps after it).
// - Each step is a control in the drawing (one tab stop: the chosen step) and a row in the list.
//   On either: arrow keys move between steps in reading order (S1, S2 … A1 … O1 …); A, P, E and
//   0 mark the step achieved, partly achieved, elusive or not discussed; N opens its note;
//   Enter or Space in the drawing goes to the step's controls (or, while drawing an arrow,
//   chooses an end). Ctrl+Z undoes, except in a text box, where it undoes typing.
(function () {
  "use strict";
  var live = document.getElementById("voice-live");
  if (!live || !document.querySelector("#flowchart-figure.annotatable")) { return; }
  var status = document.getElementById("annotate-status");
  var arrowButton = document.getElementById("arrow-mode");
  var MARK_KEYS = { a: "achieved", p: "partly", e: "elusive", "0": "none" };
  var current = null; // the chosen step's key
  var arrowSource = null;
  var focusBefore = null; // the id of what had focus when an answer came
  var kept = null; // what was typed into the note boxes, while the step list is redrawn
  var sayTimer = null;
  var refused = false; // the answer being swapped in is a refused save
  var view = null; // the drawing's zoom and pan (static/js/chart-zoom.js), kept across a redraw

  function each(list, callback) { Array.prototype.forEach.call(list, callback); }
  function figure() { return document.getElementById("flowchart-figure"); }
  function row(key) { return document.getElementById("voice-step-" + key); }
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("#voice-steps > li.voice-step")); }
  function keyOf(group) { return group.id.replace(/^step-/, ""); }
  function groupOf(key) {
    var f = figure();
    return f ? f.querySelector("svg g.step[id='step-" + key + "']") : null;
  }
  function numberOf(key) { var r = row(key); return r ? r.dataset.stepNumber : key; }
  function arrowMode() { return !!arrowButton && arrowButton.getAttribute("aria-pressed") === "true"; }

  // Cleared first, so that the same words said twice are announced twice.
  function say(text) {
    if (!status) { return; }
    status.textContent = "";
    window.clearTimeout(sayTimer);
    sayTimer = window.setTimeout(function () { status.textContent = text; }, 30);
  }

  function typing(element) {
    if (!element || !element.tagName) { return false; }
    var tag = element.tagName.toLowerCase();
    if (tag === "textarea" || tag === "select" || element.isContentEditable) { return true; }
    if (tag !== "input") { return false; }
    return ["button", "submit", "reset", "checkbox", "radio", "hidden"].indexOf((element.type || "").toLowerCase()) < 0;
  }

  // The step an element belongs to: a step of the drawing, or anything in a step's row.
  function stepOf(element) {
    if (!element || !element.closest) { return null; }
    var group = element.closest("#flowchart-figure svg g.step");
    if (group && row(keyOf(group))) { return { key: keyOf(group), group: group }; }
    var r = element.closest("#voice-steps > li.voice-step");
    return r ? { key: r.dataset.stepKey, group: null } : null;
  }

  // The drawing's steps become buttons named by exactly what they show (number, words, mark,
  // note numbers), with one tab stop: the chosen step, or the first.
  function enhanceDrawing() {
    var f = figure();
    if (!f) { return; }
    var svg = f.querySelector("svg");
    if (svg) { svg.setAttribute("role", "group"); }
    var first = rows()[0];
    var stop = current && groupOf(current) ? current : (first ? first.dataset.stepKey : null);
    each(f.querySelectorAll("svg g.step"), function (group) {
      var key = keyOf(group);
      if (!row(key)) { return; }
      var words = [];
      each(group.querySelectorAll("text"), function (text) {
        var t = text.textContent.replace(/\s+/g, " ").trim();
        if (t) { words.push(t); }
      });
      group.setAttribute("role", "button");
      group.setAttribute("aria-label", words.join(" ") || numberOf(key));
      group.setAttribute("tabindex", key === stop ? "0" : "-1");
      group.classList.toggle("selected", key === current);
    });
  }

  function twoColumns() {
    var column = document.querySelector(".voice-chart-column");
    return !!column && window.getComputedStyle(column).position === "sticky";
  }

  function setCurrent(key, showRow) {
    current = key;
    each(document.querySelectorAll(".voice-step.selected"), function (r) { r.classList.remove("selected"); });
    var r = row(key);
    if (r) { r.classList.add("selected"); }
    enhanceDrawing();
    // Beside a drawing that stays in view, bring the step's controls on screen too.
    if (showRow && r && twoColumns()) { r.scrollIntoView({ block: "nearest" }); }
  }

  function focusGroup(key) {
    var group = groupOf(key);
    if (group) { group.focus({ preventScroll: true }); }
    return !!group;
  }

  // Arrow keys: the previous or next step in reading order, on the same kind of control.
  function move(from, delta, element) {
    var list = rows();
    var index = list.findIndex(function (r) { return r.dataset.stepKey === from.key; });
    var target = delta === "first" ? list[0] : delta === "last" ? list[list.length - 1] : list[index + delta];
    if (!target) { return; }
    var key = target.dataset.stepKey;
    setCurrent(key, !!from.group);
    if (from.group && focusGroup(key)) { return; }
    var match = element && element.id ? element.id.match(/^(mark|note-summary)-\d+(.*)$/) : null;
    var same = match ? document.getElementById(match[1] + "-" + key + match[2]) : null;
    var control = same || target.querySelector(".mark-button") || target;
    control.focus();
  }

  function mark(key, value) {
    var button = document.getElementById("mark-" + key + "-" + value);
    if (button) { button.click(); } // the form's own submit: htmx sends it
  }

  function openNote(key) {
    var details = document.getElementById("step-note-" + key);
    if (!details) { return; }
    details.open = true;
    var box = document.getElementById("note-text-" + key);
    if (box) { box.focus(); }
    say("Note on " + numberOf(key) + ": type it, then Control+Enter or the Save button.");
  }

  function toControls(key) {
    var r = row(key);
    if (!r) { return; }
    var control = r.querySelector(".mark-button");
    (control || r).focus({ preventScroll: true });
    if (twoColumns()) { r.scrollIntoView({ block: "nearest" }); }
    say("Chosen " + numberOf(key) + ": mark it or add a note.");
  }

  // --- Drawing an arrow by choosing two steps -------------------------------------------------
  function clearArrowSource() {
    each(document.querySelectorAll(".arrow-source"), function (el) { el.classList.remove("arrow-source"); });
  }

  function setArrowMode(on) {
    arrowButton.setAttribute("aria-pressed", on ? "true" : "false");
    arrowSource = null;
    clearArrowSource();
    say(on ? "Drawing an arrow: choose the step it starts from (Escape cancels)." : "");
  }

  function pickForArrow(key) {
    if (arrowSource === null) {
      arrowSource = key;
      var group = groupOf(key);
      if (group) { group.classList.add("arrow-source"); }
      if (row(key)) { row(key).classList.add("arrow-source"); }
      say("Arrow from " + numberOf(key) + ": now choose the step it leads to.");
      return;
    }
    if (key === arrowSource) { say("An arrow needs two different steps: choose another one."); return; }
    document.getElementById("arrow-source_id").value = arrowSource;
    document.getElementById("arrow-target_id").value = key;
    var from = numberOf(arrowSource);
    setArrowMode(false);
    var form = document.getElementById("arrow-form");
    form.scrollIntoView({ block: "center" });
    document.getElementById("arrow-note").focus({ preventScroll: true });
    say("Arrow from " + from + " to " + numberOf(key) + ": say why they connect, then save the arrow.");
  }

  // --- Pointer and keyboard ------------------------------------------------------------------
  // A mark button sends its own value with the request. Left to htmx, a save queued behind
  // another would read the form's last clicked button when its turn comes (a later key, or a
  // button the answer before it has replaced), so quick keys A → P on two steps saved the wrong
  // marks. The step's revision is still read when the request is sent, after the saves before it.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("form.mark-form .mark-button");
    if (!button || !window.htmx) { return; }
    event.preventDefault();
    var form = button.form;
    window.htmx.ajax("POST", form.getAttribute("hx-post"), { source: form, values: { mark: button.value } });
  }, true);

  document.addEventListener("click", function (event) {
    var group = event.target.closest && event.target.closest("#flowchart-figure svg g.step");
    if (!group || !row(keyOf(group))) { return; }
    var key = keyOf(group);
    if (arrowMode()) { pickForArrow(key); return; }
    setCurrent(key, true);
    group.focus({ preventScroll: true });
    say("Chosen " + numberOf(key) + ": mark it (A, P, E, 0) or add a note (N).");
  });

  // Working on the drawing: bring all of it into view once (the page's heading is above it);
  // from then on it stays there (sticky) while the steps scroll beside it.
  function showWholeChart() {
    var column = document.querySelector(".voice-chart-column");
    if (!column || !twoColumns()) { return; }
    var box = column.getBoundingClientRect();
    if (box.top > 0 && box.bottom > window.innerHeight) { window.scrollBy(0, Math.min(box.top, box.bottom - window.innerHeight)); }
  }

  document.addEventListener("focusin", function (event) {
    var step = stepOf(event.target);
    if (step && step.group) { showWholeChart(); }
    if (step && step.key !== current) { setCurrent(step.key, false); }
  });

  document.addEventListener("keydown", function (event) {
    var element = event.target;
    if (event.key === "Escape" && arrowMode()) { setArrowMode(false); return; }
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter" && element.matches && element.matches(".note-form textarea")) {
      event.preventDefault();
      element.form.requestSubmit();
      return;
    }
    if ((event.ctrlKey || event.metaKey) && !event.shiftKey && !event.altKey && (event.key === "z" || event.key === "Z")) {
      if (typing(element)) { return; } // the text box's own undo
      var undo = document.getElementById("undo-button");
      if (undo) { event.preventDefault(); undo.click(); }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(element)) { return; }
    var step = stepOf(element);
    if (!step) { return; }
    var key = event.key;
    var delta = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1, Home: "first", End: "last" }[key];
    if (delta !== undefined) { event.preventDefault(); move(step, delta, element); return; }
    if (step.group && (key === "Enter" || key === " ")) {
      event.preventDefault();
      if (arrowMode()) { pickForArrow(step.key); } else { toControls(step.key); }
      return;
    }
    var lower = key.length === 1 ? key.toLowerCase() : "";
    if (MARK_KEYS[lower]) { event.preventDefault(); mark(step.key, MARK_KEYS[lower]); return; }
    if (lower === "n") { event.preventDefault(); openNote(step.key); }
  });

  // --- htmx: answers, focus, announcements ------------------------------------------------------
  function keepNotes() {
    kept = [];
    each(document.querySelectorAll("#voice-steps details.step-note"), function (details) {
      var box = details.querySelector("textarea");
      var verbatim = details.querySelector("input[type=checkbox]");
      if (details.open || (box && box.value)) {
        kept.push({ id: details.id, open: details.open, text: box ? box.value : "", verbatim: verbatim ? verbatim.checked : false });
      }
    });
  }

  // The arrow form comes back afresh with the renumbered steps: what was chosen and typed in it
  // goes back in (its ends are step ids, which do not change; an end undone meanwhile is left
  // for the interviewer to choose again), unless it was the form being saved.
  var keptArrow = null;
  function keepArrow(sent) {
    keptArrow = null;
    var form = document.getElementById("arrow-form");
    if (!form || (sent && (form === sent || form.contains(sent)))) { return; }
    keptArrow = [];
    each(form.elements, function (el) {
      if (!el.name || el.type === "hidden" || el.type === "submit" || el.name === "csrf_token") { return; }
      keptArrow.push([el.name, el.type === "checkbox" ? el.checked : el.value]);
    });
  }

  function restoreArrow() {
    var form = document.getElementById("arrow-form");
    if (!keptArrow || !form) { keptArrow = null; return; }
    keptArrow.forEach(function (pair) {
      var el = form.elements.namedItem(pair[0]);
      if (!el || !el.tagName) { return; }
      if (el.type === "checkbox") { el.checked = pair[1]; return; }
      if (el.tagName === "SELECT" && !el.querySelector('option[value="' + CSS.escape(pair[1]) + '"]')) { return; }
      el.value = pair[1];
    });
    keptArrow = null;
  }

  function restoreNotes() {
    restoreArrow();
    if (!kept) { return; }
    kept.forEach(function (note) {
      var details = document.getElementById(note.id);
      if (!details) { return; } // its step was undone: the draft keeps the words
      details.open = note.open;
      var box = details.querySelector("textarea");
      var verbatim = details.querySelector("input[type=checkbox]");
      if (box && note.text) { box.value = note.text; }
      if (verbatim) { verbatim.checked = note.verbatim; }
    });
    kept = null;
  }

  function afterAnswer() {
    restoreNotes();
    each(document.querySelectorAll(".js-only"), function (el) { el.hidden = false; });
    if (current && !row(current)) { current = null; }
    if (current) { var r = row(current); if (r) { r.classList.add("selected"); } }
    enhanceDrawing();
    var active = document.activeElement;
    if (focusBefore && (!active || active === document.body || !active.isConnected)) {
      var again = document.getElementById(focusBefore);
      if (again) { again.focus({ preventScroll: true }); }
      // What had focus is gone (its step undone, with its mark buttons and note box): the box
      // its words were moved to, if a note was refused for that; else the drawing's chosen (or
      // first) step.
      else {
        var moved = live.querySelector("textarea[aria-invalid=true]");
        if (moved) { moved.focus(); } else { enhanceDrawing(); focusGroup(current || (rows()[0] || {dataset: {}}).dataset.stepKey); }
      }
    }
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr.responseURL && new URL(xhr.responseURL).pathname.indexOf("/login") === 0) {
      event.detail.shouldSwap = false;
      say("Not saved: you have been signed out. Sign in again in another tab, then save again; what you typed is still here.");
      return;
    }
    // A refused save is answered with its own form (HX-Retarget names it): swap that in, with
    // the message and the words typed. Any other refusal (an expired form token) is not ours
    // to show in the page: say so, and leave everything as it is.
    refused = (xhr.status === 400 || xhr.status === 409) && !!xhr.getResponseHeader("HX-Retarget");
    if (refused) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    } else if (xhr.status >= 400) {
      event.detail.shouldSwap = false;
      event.detail.isError = false;
      say(xhr.status === 400
        ? "Not saved: this page has been open too long for the server to accept it. Reload the page and try again; notes you were typing are kept as drafts."
        : "Not saved: the server answered " + xhr.status + ". Reload the page and try again.");
      return;
    }
    var active = document.activeElement;
    focusBefore = active && active !== document.body ? active.id || null : null;
    var zoom = window.tocappChartZoom && figure() ? window.tocappChartZoom.of(figure()) : null;
    view = zoom ? { zoom: zoom.getZoom(), pan: zoom.getPan() } : null;
    var answer = event.detail.shouldSwap ? event.detail.serverResponse || "" : "";
    if (answer.indexOf('id="voice-steps"') >= 0) { keepNotes(); }
    if (answer.indexOf('id="arrow-form"') >= 0) { keepArrow(event.detail.requestConfig && event.detail.requestConfig.elt); }
  });

  document.addEventListener("htmx:afterSwap", afterAnswer);

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    var xhr = event.detail.xhr;
    if (!form || !form.matches || !form.matches("form.note-form") || !xhr || xhr.status !== 200) { return; }
    // Saved: the box is empty again, its draft forgotten; a step's note box closes.
    form.reset();
    form.dispatchEvent(new CustomEvent("tocapp:saved"));
    var details = form.closest("details");
    if (details && details.isConnected) {
      var summary = details.querySelector("summary");
      if (form.contains(document.activeElement) && summary) { summary.focus({ preventScroll: true }); }
      details.open = false;
    }
  });

  document.addEventListener("htmx:afterSettle", function () {
    // htmx puts the class an element had before the swap back on its successor until it
    // settles, then the answer's own: only now is the chosen step's highlight ours to set.
    if (current) { var r = row(current); if (r) { r.classList.add("selected"); } }
    enhanceDrawing();
    if (view) { // after chart-zoom.js has made the new drawing zoomable (it fits it afresh)
      var was = view;
      view = null;
      window.setTimeout(function () {
        var zoom = window.tocappChartZoom && figure() ? window.tocappChartZoom.of(figure()) : null;
        if (zoom) { zoom.zoom(was.zoom); zoom.pan(was.pan); }
      }, 0);
    }
    // A refused save: bring its message into view beside the control, which keeps focus.
    if (!refused) { return; }
    refused = false;
    var active = document.activeElement;
    var near = active && active.closest ? active.closest("form, .step-state") : null;
    var problem = (near && near.querySelector(".field-error, .form-errors")) ||
      document.querySelector("#voice-live .field-error, #voice-live .form-errors");
    if (problem) { problem.scrollIntoView({ block: "nearest" }); }
  });

  document.addEventListener("voice-saved", function (event) { say(event.detail.message); });
  document.addEventListener("htmx:sendError", function () {
    say("Not saved: the server could not be reached. Check the connection and try again.");
  });

  if (arrowButton) {
    arrowButton.hidden = false;
    arrowButton.addEventListener("click", function () { setArrowMode(!arrowMode()); });
  }
  each(document.querySelectorAll(".js-only"), function (el) { el.hidden = false; });
  enhanceDrawing();
})();
