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

  function swapIn(html) {
    var parsed = new DOMParser().parseFromString(html, "text/html");
    var shown = parsed.body.querySelector(".screen-shown");
    if (!shown) { return; }
    holder.replaceChildren(document.importNode(shown, true));
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

  window.setTimeout(poll, every);
})();
