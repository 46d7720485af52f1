// Return interview page: choose a step in the drawing (click, or Tab then Enter/Space) to jump to
// its marks and notes; "Draw an arrow" then two steps fills the arrow form. The page works
// without this file: every action is a plain form.
(function () {
  "use strict";
  var figure = document.querySelector("#flowchart-figure.annotatable");
  if (!figure) { return; }
  var status = document.getElementById("annotate-status");
  var arrowButton = document.getElementById("arrow-mode");
  var arrowForm = document.getElementById("arrow-form");
  var arrowSource = null;

  function row(key) { return document.getElementById("voice-step-" + key); }
  function keyOf(group) { return group.id.replace(/^step-/, ""); }
  function say(text) { if (status) { status.textContent = text; } }
  function numberOf(key) { var r = row(key); return r ? r.dataset.stepNumber : key; }

  function clearClass(name) {
    document.querySelectorAll("." + name).forEach(function (el) { el.classList.remove(name); });
  }

  function select(group) {
    var key = keyOf(group);
    var target = row(key);
    if (!target) { return; }
    clearClass("selected");
    group.classList.add("selected");
    target.classList.add("selected");
    target.scrollIntoView({ block: "nearest" });
    var first = target.querySelector(".mark-button");
    (first || target).focus({ preventScroll: true });
    say("Chosen " + numberOf(key) + ": mark it or add a note.");
  }

  function setArrowMode(on) {
    arrowButton.setAttribute("aria-pressed", on ? "true" : "false");
    arrowSource = null;
    clearClass("arrow-source");
    say(on ? "Drawing an arrow: choose the step it starts from (Escape cancels)." : "");
  }

  function pickForArrow(group) {
    var key = keyOf(group);
    if (arrowSource === null) {
      arrowSource = key;
      group.classList.add("arrow-source");
      var r = row(key);
      if (r) { r.classList.add("arrow-source"); }
      say("Arrow from " + numberOf(key) + ": now choose the step it leads to.");
      return;
    }
    if (key === arrowSource) { say("An arrow needs two different steps: choose another one."); return; }
    document.getElementById("arrow-source_id").value = arrowSource;
    document.getElementById("arrow-target_id").value = key;
    var from = numberOf(arrowSource);
    setArrowMode(false);
    arrowForm.scrollIntoView({ block: "center" });
    document.getElementById("arrow-note").focus({ preventScroll: true });
    say("Arrow from " + from + " to " + numberOf(key) + ": say why they connect, then save the arrow.");
  }

  function choose(group) { if (arrowButton && arrowButton.getAttribute("aria-pressed") === "true") { pickForArrow(group); } else { select(group); } }

  figure.querySelectorAll("svg g.step").forEach(function (group) {
    var key = keyOf(group);
    if (!row(key)) { return; }
    var text = row(key).querySelector(".voice-step-text");
    group.setAttribute("tabindex", "0");
    group.setAttribute("role", "button");
    group.setAttribute("aria-label", text ? text.textContent.replace(/\s+/g, " ").trim() : numberOf(key));
    group.addEventListener("click", function () { choose(group); });
    group.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); choose(group); }
    });
  });
  // The figure's own svg is a single image to screen readers until its steps become buttons.
  var svg = figure.querySelector("svg");
  if (svg) { svg.setAttribute("role", "group"); }

  if (arrowButton && arrowForm) {
    arrowButton.hidden = false;
    document.querySelectorAll(".js-only").forEach(function (el) { el.hidden = false; });
    arrowButton.addEventListener("click", function () {
      setArrowMode(arrowButton.getAttribute("aria-pressed") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && arrowButton.getAttribute("aria-pressed") === "true") { setArrowMode(false); }
    });
  }
})();
