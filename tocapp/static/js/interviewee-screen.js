// The interviewee's screen: follow the voice page without reloading. Once a second, ask
// state.json for the key of what the screen shows (a short request: it never holds a server
// worker), and only when it has changed fetch the chart fragment and swap it in. When the
// interviewer's session ends (logged out, login expired, the interview gone), the answer is a
// redirect to the login page or a refusal: clear everything and say the screen has ended.
(function () {
  "use strict";
  var screen = document.getElementById("screen");
  var holder = document.getElementById("screen-shown");
  if (!screen || !holder) { return; }
  var stateUrl = screen.dataset.stateUrl;
  var fragmentUrl = screen.dataset.fragmentUrl;
  var every = Number(screen.dataset.pollMs || 1000);
  var status = document.getElementById("screen-status");
  var ended = false;

  // Large type matters more than the drawing's own small legend and title here (the legend is
  // written out beside the chart, the title is the heading): leave them out and fit the view to
  // the lanes and arrows, so the steps are drawn as large as the window allows.
  function fitChart() {
    var svg = holder.querySelector(".screen-chart svg");
    var graph = svg && svg.querySelector("g.graph");
    if (!graph) { return; }
    ["legend", "chart-title"].forEach(function (id) {
      var part = svg.querySelector("[id='" + id + "']");
      if (part) { part.setAttribute("display", "none"); }
    });
    var left = Infinity, top = Infinity, right = -Infinity, bottom = -Infinity;
    Array.prototype.forEach.call(graph.children, function (part) {
      if (part.tagName !== "g" || part.getAttribute("display") === "none") { return; }
      var box = part.getBBox();
      if (!box.width && !box.height) { return; }
      left = Math.min(left, box.x); top = Math.min(top, box.y);
      right = Math.max(right, box.x + box.width); bottom = Math.max(bottom, box.y + box.height);
    });
    if (!isFinite(left)) { return; }
    var moved = graph.transform.baseVal.consolidate();
    var m = moved ? moved.matrix : { a: 1, d: 1, e: 0, f: 0 };
    var pad = 4;
    svg.setAttribute("viewBox", [
      left * m.a + m.e - pad, top * m.d + m.f - pad,
      (right - left) * m.a + 2 * pad, (bottom - top) * m.d + 2 * pad
    ].join(" "));
  }

  function shownRevision() {
    var shown = holder.querySelector("[data-revision]");
    return shown ? shown.dataset.revision : "";
  }

  // Anything but a plain 200 of our own answer means the session (or the voice) is gone;
  // a server error or a lost connection is only a pause.
  function refused(response) {
    return response.type === "opaqueredirect" || response.redirected ||
      response.status === 401 || response.status === 403 || response.status === 404;
  }

  function ask(url, accept) {
    return fetch(url, {
      headers: { Accept: accept },
      credentials: "same-origin",
      cache: "no-store",
      redirect: "manual"
    });
  }

  function end() {
    ended = true;
    screen.removeAttribute("aria-labelledby");  // the heading goes with everything else
    while (screen.firstChild) { screen.removeChild(screen.firstChild); }
    var box = document.createElement("div");
    box.className = "screen-ended";
    var message = document.createElement("p");
    message.setAttribute("role", "status");
    message.textContent = "This screen has ended.";
    box.appendChild(message);
    screen.appendChild(box);
    document.title = "This screen has ended";
  }

  // The notes and new arrows, each by its list and number ("n3", "a1").
  function items() {
    var found = {};
    Array.prototype.forEach.call(holder.querySelectorAll(".screen-note-list > li, .screen-arrow-list > li"), function (li) {
      found[(li.parentNode.classList.contains("screen-arrow-list") ? "a" : "n") + li.value] = li;
    });
    return found;
  }

  // The notes column scrolls on its own beside the chart: a swap keeps where it was, and a note
  // or arrow just added (the one being talked about) is brought into it.
  function swapIn(html) {
    var parsed = new DOMParser().parseFromString(html, "text/html");
    var shown = parsed.body.querySelector(".screen-shown");
    if (!shown) { return; }
    var side = holder.querySelector(".screen-side");
    var scrolled = side ? side.scrollTop : 0;
    var before = items();
    holder.replaceChildren(document.importNode(shown, true));
    fitChart();
    side = holder.querySelector(".screen-side");
    if (side) {
      side.scrollTop = scrolled;
      var after = items();
      var added = Object.keys(after).filter(function (key) { return !before[key]; });
      if (added.length) {
        var newest = after[added[added.length - 1]];
        var top = newest.getBoundingClientRect().top - side.getBoundingClientRect().top + side.scrollTop;
        var bottom = top + newest.offsetHeight;
        if (bottom > side.scrollTop + side.clientHeight || top < side.scrollTop) {
          // Its end in view, or its start if it is taller than the column.
          side.scrollTop = Math.max(0, Math.min(top, bottom - side.clientHeight));
        }
      }
    }
    status.textContent = "The chart has been updated.";
  }

  function poll() {
    if (ended) { return; }
    ask(stateUrl, "application/json")
      .then(function (response) {
        if (refused(response)) { end(); return null; }
        if (!response.ok) { throw new Error("status " + response.status); }
        return response.json();
      })
      .then(function (state) {
        if (!state || state.revision === shownRevision()) { return null; }
        return ask(fragmentUrl, "text/html").then(function (response) {
          if (refused(response)) { end(); return; }
          if (!response.ok) { throw new Error("status " + response.status); }
          return response.text().then(swapIn);
        });
      })
      .catch(function () { /* the server is away for a moment: keep showing the chart */ })
      .then(function () {
        if (!ended) { window.setTimeout(poll, every); }
      });
  }

  fitChart();
  window.setTimeout(poll, every);
})();
