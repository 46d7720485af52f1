// Progressive enhancement for the mapping page. Without JavaScript every change is a plain form
// that reloads the page; with it:
// - htmx sends the same requests and swaps the editor (#map-editor) with the server's answer,
//   which says what to focus next (data-focus); a refused form (400) is swapped in too, with what
//   was typed and the error beside its field; saves are said in the live region #map-status;
// - "Add a step here" fills the add form's theme and group and moves to its text box;
// - choosing a step in the drawing goes to it in the grid;
// - "map from the words": select words in a round-1 answer (mouse, or Shift + arrow keys in its
//   read-only text box), then press a group's number or its button: the words become a step's
//   quoted source, with the theme suggested from the question.
(function () {
  "use strict";
  var status = document.getElementById("map-status");
  var wordsForm = document.getElementById("words-form");
  var tools = document.getElementById("words-tools");
  var wordsSource = null; // the answer's text box the last step from words came from
  var MAX_TEXT = 500;

  // In one column the message covers the foot of the window: it goes after a while there.
  var narrow = window.matchMedia("(max-width: 69.99rem)");
  var clearing = null;
  function clearLater() {
    clearTimeout(clearing);
    if (!narrow.matches || !status) { return; }
    var said = status.textContent;
    clearing = setTimeout(function () {
      if (status.textContent === said) { status.textContent = ""; }
    }, 12000);
  }
  function say(text) { if (status) { status.textContent = text; clearLater(); } }
  document.body.addEventListener("htmx:oobAfterSwap", clearLater);
  function editor() { return document.getElementById("map-editor"); }

  // --- Saving without a reload (htmx) -------------------------------------------------------
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    // A refused form comes back as the editor with its errors: show it. Anything else that is
    // not a success (an expired form, a step someone else removed) is said, and nothing swapped.
    var isEditor = xhr.responseText.indexOf('id="map-editor"') !== -1;
    if ((xhr.status === 400 || xhr.status === 409) && isEditor) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    } else if (xhr.status === 200 && !isEditor) {
      // Not the editor: the login page after a session ended, say. Keep the page as it is.
      event.detail.shouldSwap = false;
      say("Not saved: you are no longer logged in. Log in again in another tab, then try again here; what you typed is still in the form.");
    }
  });
  document.body.addEventListener("htmx:responseError", function (event) {
    var code = event.detail.xhr.status;
    var messages = {
      400: "Not saved: this page has expired (you may have been logged out). Copy anything you typed, then reload the page.",
      403: "Not saved: your role in this study does not allow changing the map.",
      404: "Not saved: that step or arrow is no longer on the map. Reload the page to see the map as it is now."
    };
    say(messages[code] || "Not saved: something went wrong on the server (" + code + "). Try again; what you typed is still in the form.");
  });
  document.body.addEventListener("htmx:sendError", function () {
    say("Not saved: the server could not be reached. Check the connection and try again; what you typed is still in the form.");
  });

  // --- What is typed in one form outlives another form's save -----------------------------------
  // Each save swaps the whole editor. A form marked data-keep-typing that was typed in, and is
  // not the one being sent, gets its values back in the new editor (a select only if the new one
  // still has that choice); the form sent comes back as the server answers it (fresh once saved,
  // or with what was typed and its errors when refused).
  var typed = null;
  function markTyped(event) {
    var form = event.target.form;
    if (form && form.hasAttribute("data-keep-typing")) { form.dataset.typed = "1"; }
  }
  document.addEventListener("input", markTyped, true);
  document.addEventListener("change", markTyped, true);
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    typed = null;
    var root = editor();
    if (!root || !event.detail.shouldSwap) { return; }
    var sent = event.detail.requestConfig && event.detail.requestConfig.elt;
    root.querySelectorAll("form[data-keep-typing][data-typed]").forEach(function (form) {
      if (sent && (form === sent || form.contains(sent))) { return; }
      var values = [];
      Array.prototype.forEach.call(form.elements, function (el) {
        if (el.name && el.name !== "csrf_token" && /^(TEXTAREA|SELECT|INPUT)$/.test(el.tagName) &&
            el.type !== "hidden" && el.type !== "submit") {
          values.push([el.name, el.value]);
        }
      });
      typed = typed || {};
      typed[form.id] = values;
    });
  });
  document.body.addEventListener("htmx:afterSwap", function () {
    if (!typed) { return; }
    Object.keys(typed).forEach(function (id) {
      var form = document.getElementById(id);
      if (!form) { return; }
      typed[id].forEach(function (pair) {
        var el = form.elements.namedItem(pair[0]);
        if (!el || !el.tagName) { return; }
        if (el.tagName === "SELECT" && !el.querySelector('option[value="' + CSS.escape(pair[1]) + '"]')) { return; }
        el.value = pair[1];
      });
      form.dataset.typed = "1";
    });
    typed = null;
  });

  function focusFirst(selectors) {
    var target = null;
    selectors.split("|").some(function (selector) {
      try { target = document.querySelector(selector); } catch (error) { target = null; }
      return target !== null;
    });
    return target;
  }

  document.body.addEventListener("htmx:afterSettle", function (event) {
    var root = editor();
    if (!root) { return; }
    var fromWords = event.detail.requestConfig && event.detail.requestConfig.elt === wordsForm;
    var invalid = root.querySelector("[aria-invalid=true]");
    var target = invalid;
    if (!target && fromWords && wordsSource && wordsSource.isConnected) {
      target = wordsSource; // on to the next words of the same answer
    }
    if (!target && root.dataset.focus) { target = focusFirst(root.dataset.focus); }
    if (target) {
      target.focus({ preventScroll: true });
      // An error is shown below its field: bring both into view.
      target.scrollIntoView({ block: target === invalid ? "center" : "nearest" });
    }
  });

  // --- "Add a step here" ----------------------------------------------------------------------
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.add-here[data-theme][data-group]");
    if (!link) { return; }
    var form = document.querySelector("#add-step form");
    if (!form) { return; }
    var theme = form.querySelector("select[name=theme]");
    var group = form.querySelector("select[name=group_id]");
    var text = form.querySelector("textarea[name=text]");
    if (!theme || !group || !text) { return; }
    event.preventDefault();
    theme.value = link.dataset.theme;
    group.value = link.dataset.group;
    form.scrollIntoView({ behavior: "smooth", block: "start" });
    text.focus({ preventScroll: true });
  });

  // --- A step chosen in the drawing goes to its place in the grid ------------------------------
  document.addEventListener("click", function (event) {
    var group = event.target.closest && event.target.closest("#map-figure g.step");
    if (!group) { return; }
    var item = document.getElementById("map-step-" + group.id.replace(/^step-/, ""));
    if (!item) { return; }
    document.querySelectorAll(".map-step.chosen").forEach(function (el) { el.classList.remove("chosen"); });
    item.classList.add("chosen");
    item.scrollIntoView({ block: "center" });
    item.focus({ preventScroll: true });
    var number = item.querySelector(".step-number");
    say("Step " + (number ? number.textContent : "") + " in the grid.");
  });

  // --- Map from the words -----------------------------------------------------------------------
  if (!wordsForm || !tools) { return; }
  var help = document.getElementById("words-help");
  if (help) { help.hidden = false; }
  var themeSelect = document.getElementById("words-theme");
  var themeHint = document.getElementById("words-theme-hint");
  var selectionView = document.getElementById("words-selection");
  var groupButtons = tools.querySelectorAll("button.words-group");
  var active = null; // the text box whose selection the tools are for
  var dragging = false; // a mouse button is down over an answer
  document.addEventListener("mouseup", function () { dragging = false; }, true);

  function selected(box) {
    return box.value.substring(box.selectionStart, box.selectionEnd);
  }

  function stepText(words) {
    var flat = words.replace(/\s+/g, " ").trim();
    if (flat.length <= MAX_TEXT) { return flat; }
    var cut = flat.slice(0, MAX_TEXT - 1);
    var space = cut.lastIndexOf(" ");
    return (space > MAX_TEXT / 2 ? cut.slice(0, space) : cut) + "…";
  }

  function keysSaid() {
    return Array.prototype.map.call(groupButtons, function (b) {
      return b.dataset.key ? b.dataset.key + " for " + b.textContent.replace(/^\s*\d\s*/, "").trim() : "";
    }).filter(Boolean).join(", ");
  }

  function update(box, event) {
    var words = selected(box).trim();
    if (!words) {
      if (active === box) { tools.hidden = true; active = null; }
      return;
    }
    var fresh = tools.hidden || active !== box;
    active = box;
    if (tools.parentNode !== box.parentNode || tools.previousElementSibling !== box) {
      box.insertAdjacentElement("afterend", tools);
    }
    selectionView.textContent = words.length > 160 ? words.slice(0, 157) + "…" : words;
    if (fresh) {
      var suggested = box.dataset.theme;
      if (suggested) { themeSelect.value = suggested; }
      themeHint.textContent = suggested ? "(suggested from Q" + box.dataset.question + ")" : "";
      tools.hidden = false;
      // Not while a mouse is still dragging over the words: scrolling then would move the end.
      if (!dragging) {
        tools.scrollIntoView({ block: "nearest" });
      }
      say("Words selected. To make a step of them, press " + keysSaid() + ".");
    }
  }

  function makeStep(groupId) {
    if (!active) { return; }
    var words = selected(active).trim();
    if (!words) { say("Select some words in an answer first."); return; }
    wordsSource = active;
    wordsForm.elements.theme.value = themeSelect.value;
    wordsForm.elements.group_id.value = groupId;
    wordsForm.elements.text.value = stepText(words);
    wordsForm.elements.source_answer_id.value = active.dataset.answerId;
    wordsForm.elements.source_quote.value = words;
    // Leave the words marked as done: the caret after them, ready for the next selection.
    active.setSelectionRange(active.selectionEnd, active.selectionEnd);
    tools.hidden = true;
    active = null;
    wordsForm.requestSubmit();
  }

  document.querySelectorAll("textarea.answer-notes[data-answer-id]").forEach(function (box) {
    // Chromium gives a read-only text box no caret, so Shift + arrow keys could not select in
    // it. Instead the box stays editable to the browser but refuses every change (typing, paste,
    // drop, an input method's composition), and says it is read-only; no on-screen keyboard.
    var words = box.value;
    box.readOnly = false;
    box.setAttribute("aria-readonly", "true");
    box.inputMode = "none";
    box.addEventListener("beforeinput", function (event) { event.preventDefault(); });
    box.addEventListener("input", function () {
      var at = box.selectionStart;
      box.value = words;
      box.setSelectionRange(Math.min(at, words.length), Math.min(at, words.length));
    });
    box.addEventListener("mousedown", function () { dragging = true; });
    ["select", "keyup", "mouseup", "focus"].forEach(function (name) {
      box.addEventListener(name, function (event) { update(box, event); });
    });
    box.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey || !/^[1-9]$/.test(event.key)) { return; }
      if (!selected(box).trim()) { return; }
      var chosen = tools.querySelector('button.words-group[data-key="' + event.key + '"]');
      if (!chosen) { return; }
      event.preventDefault();
      active = box;
      makeStep(chosen.dataset.group);
    });
  });
  groupButtons.forEach(function (b) {
    b.addEventListener("click", function () { makeStep(b.dataset.group); });
  });
  // Words selected before this script ran (it is deferred) are offered too.
  if (document.activeElement && document.activeElement.matches("textarea.answer-notes[data-answer-id]")) {
    update(document.activeElement);
  }
  // Escape in the tools goes back to the words.
  tools.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && active) { event.preventDefault(); active.focus(); }
  });
})();
