// Drafts: keep what is typed into a form with data-draft-key, in this browser (localStorage, by
// user and form) and on the server (POST data-draft-url every few seconds while typing, and when
// the page is hidden or left), so that a closed tab, a crash, a lost connection or an expired
// login never loses it. Reopening the form restores the newest draft, says so ("Restored your
// draft from 10:42") in a status region, and offers to discard it.
// The browser's copy is removed as soon as the server holds the same words, so a shared computer
// keeps only what could not be sent. A page script that saves a form without leaving the page
// dispatches "tocapp:saved" on the form, and its draft is forgotten here too.
// Without JavaScript the forms work as before; only the drafts are missing.
(function () {
  "use strict";
  var SAVE_EVERY = 3000; // at most one save per form every 3 seconds while typing
  var KEEP_MS = 30 * 24 * 3600 * 1000; // as the server: 30 days
  var PREFIX = "tocapp-draft:";
  var BEACON_LIMIT = 60000; // a keepalive request may carry at most 64 kB
  var timeFormat = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit" });
  var dayFormat = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "long" });

  var store = (function () {
    try {
      window.localStorage.getItem(PREFIX);
      return window.localStorage;
    } catch (error) {
      return null; // storage refused (private mode, policy): the server still keeps drafts
    }
  })();

  function each(list, callback) { Array.prototype.forEach.call(list, callback); }

  function fieldsOf(form) {
    var fields = {};
    each(form.elements, function (element) {
      var name = element.name;
      var type = (element.type || "").toLowerCase();
      if (!name || element.disabled || ["submit", "button", "reset", "file"].indexOf(type) >= 0) {
        return;
      }
      if (type === "hidden" && name !== "schedule") { return; }
      if (type === "checkbox") {
        fields[name] = element.checked ? (element.value || "y") : "";
      } else if (type === "radio") {
        if (element.checked) { fields[name] = element.value; }
        else if (!(name in fields)) { fields[name] = ""; }
      } else {
        fields[name] = element.value;
      }
    });
    return fields;
  }

  function apply(form, fields) {
    each(form.elements, function (element) {
      var type = (element.type || "").toLowerCase();
      if (!element.name || element.disabled || type === "hidden" || !(element.name in fields)) {
        return;
      }
      var value = fields[element.name];
      if (type === "checkbox") { element.checked = !!value; }
      else if (type === "radio") { element.checked = element.value === value; }
      else { element.value = value; }
    });
  }

  function holdsTheSame(draft, current) {
    return Object.keys(draft).every(function (name) {
      return String(draft[name] || "").replace(/\r\n/g, "\n") ===
        String(current[name] || "").replace(/\r\n/g, "\n");
    });
  }

  function when(ms) {
    var date = new Date(ms);
    var time = timeFormat.format(date);
    return date.toDateString() === new Date().toDateString() ? time : time + " on " + dayFormat.format(date);
  }

  function readJson(response) {
    var type = response.headers.get("Content-Type") || "";
    return type.indexOf("application/json") >= 0 ? response.json() : Promise.resolve(null);
  }

  function pruneOldCopies() {
    if (!store) { return; }
    for (var i = store.length - 1; i >= 0; i -= 1) {
      var name = store.key(i);
      if (name && name.indexOf(PREFIX) === 0) {
        try {
          var copy = JSON.parse(store.getItem(name));
          if (!copy || Date.now() - copy.savedAt > KEEP_MS) { store.removeItem(name); }
        } catch (error) {
          store.removeItem(name);
        }
      }
    }
  }

  function FormDraft(form) {
    this.form = form;
    this.key = form.getAttribute("data-draft-key");
    this.family = form.getAttribute("data-draft-family") || "";
    this.url = form.getAttribute("data-draft-url");
    this.user = form.getAttribute("data-draft-user");
    var csrf = form.querySelector("input[name=csrf_token]");
    this.csrf = csrf ? csrf.value : "";
    this.original = fieldsOf(form);
    this.loadedAt = Date.now();
    this.revision = 0;
    this.sentRevision = 0;
    this.lastSent = 0;
    this.timer = null;
    this.submitting = false;
    this.state = document.createElement("p");
    this.state.className = "draft-state muted";
    this.state.hidden = true;
    // Beside the save button, where the eye goes before saving.
    var actions = form.querySelector(".actions");
    if (actions) { form.insertBefore(this.state, actions); } else { form.appendChild(this.state); }
  }

  FormDraft.prototype.localName = function (key) { return PREFIX + this.user + ":" + (key || this.key); };

  FormDraft.prototype.readLocal = function () {
    if (!store) { return null; }
    var best = null;
    var self = this;
    var names = [this.localName()];
    if (this.family) {
      for (var i = 0; i < store.length; i += 1) {
        var name = store.key(i);
        if (name && name.indexOf(this.localName(this.family)) === 0) { names.push(name); }
      }
    }
    names.forEach(function (name) {
      try {
        var copy = JSON.parse(store.getItem(name));
        if (copy && copy.fields && (!best || copy.savedAt > best.savedAt)) { best = copy; }
      } catch (error) {
        store.removeItem(name);
      }
    });
    return best && best.key && (best.key === self.key || self.family) ? best : null;
  };

  FormDraft.prototype.writeLocal = function () {
    if (!store) { return; }
    try {
      store.setItem(this.localName(), JSON.stringify(
        { key: this.key, fields: fieldsOf(this.form), savedAt: Date.now() }));
    } catch (error) {
      // storage full: the server copy is all there is
    }
  };

  FormDraft.prototype.removeLocal = function (key) {
    if (store) { store.removeItem(this.localName(key)); }
  };

  FormDraft.prototype.request = function (path, payload, leaving) {
    var body = JSON.stringify(payload);
    return fetch(this.url + path, {
      method: "POST",
      credentials: "same-origin",
      redirect: "manual", // an expired login answers with a redirect to the login page
      keepalive: !!leaving && body.length < BEACON_LIMIT,
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": this.csrf },
      body: body
    });
  };

  FormDraft.prototype.show = function (text, problem) {
    this.state.hidden = false;
    this.state.textContent = text;
    this.state.classList.toggle("field-error", !!problem);
  };

  FormDraft.prototype.send = function (leaving) {
    var self = this;
    if (this.revision === this.sentRevision) { return Promise.resolve(); }
    var revision = this.revision;
    this.lastSent = Date.now();
    return this.request("", { key: this.key, fields: fieldsOf(this.form) }, leaving).then(function (response) {
      if (response.type === "opaqueredirect" || response.status === 401) {
        self.fail("You seem to be signed out, so your draft is kept only in this browser for now. Sign in again in another tab; nothing typed here is lost.");
        return;
      }
      return readJson(response).then(function (answer) {
        if (!response.ok || !answer) {
          self.fail(answer && answer.error ? answer.error : "Your draft could not be kept on the server; it is kept in this browser.");
          return;
        }
        self.sentRevision = Math.max(self.sentRevision, revision);
        self.failed = false;
        if (self.revision === revision) { self.removeLocal(); }
        self.show(answer.settled ? "" : "Draft kept at " + when(Date.parse(answer.saved_at)) + ".", false);
        if (answer.settled) { self.state.hidden = true; }
      });
    }).catch(function () {
      self.fail("No connection: your draft is kept in this browser and sent when the connection is back.");
    });
  };

  FormDraft.prototype.fail = function (message) {
    this.show(message, true);
    if (!this.failed) { announce(message); }
    this.failed = true;
  };

  FormDraft.prototype.changed = function () {
    var self = this;
    this.submitting = false;
    this.revision += 1;
    this.writeLocal();
    if (this.timer) { return; }
    var wait = Math.max(1000, SAVE_EVERY - (Date.now() - this.lastSent));
    this.timer = window.setTimeout(function () { self.timer = null; self.send(false); }, wait);
  };

  FormDraft.prototype.leave = function () {
    if (this.submitting || !this.form.isConnected) { return; } // a form swapped out has a successor
    if (this.timer) { window.clearTimeout(this.timer); this.timer = null; }
    this.send(true);
  };

  FormDraft.prototype.saved = function () {
    // The form itself was saved (by a page script, without leaving): nothing is a draft now.
    if (this.timer) { window.clearTimeout(this.timer); this.timer = null; }
    this.removeLocal();
    this.sentRevision = this.revision;
    this.original = fieldsOf(this.form);
    this.state.hidden = true;
  };

  FormDraft.prototype.start = function () {
    var self = this;
    var form = this.form;
    form.addEventListener("input", function () { self.changed(); });
    form.addEventListener("change", function () { self.changed(); });
    form.addEventListener("submit", function () {
      self.submitting = true;
      if (self.timer) { window.clearTimeout(self.timer); self.timer = null; }
    });
    form.addEventListener("tocapp:saved", function () { self.saved(); });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "hidden") { self.leave(); }
    });
    window.addEventListener("pagehide", function () { self.leave(); });
    window.addEventListener("online", function () { self.send(false); });

    // A form shown again after a refused save holds what was just typed: keep that, now.
    if (form.querySelector(".field-error, .form-errors p") || (form.classList.contains("interview-form") && document.querySelector(".stale-warning"))) {
      this.changed();
      return;
    }
    this.waiting = true; // for the server's answer: see resume
  };

  // What the server holds for this form (or null): offer the newest of it and the browser's copy.
  FormDraft.prototype.resume = function (serverDraft) {
    var self = this;
    var local = this.readLocal();
    if (local && local.savedAt >= this.loadedAt) {
      // This page's own typing, kept while the server's answer was on its way: not a draft to
      // offer (offering it would put back what was typed a moment ago over what came since).
      local = null;
    }
    var server = serverDraft ? {
      key: serverDraft.key, fields: serverDraft.fields, savedAt: Date.parse(serverDraft.saved_at)
    } : null;
    if (local && (!server || local.savedAt > server.savedAt)) {
      // Words the server never got (offline, signed out, a crash between saves): send them
      // first; the server says whether they are saved already.
      return this.request("", { key: local.key, fields: local.fields }).then(function (response) {
        return response.ok ? readJson(response) : null;
      }).catch(function () { return null; }).then(function (pushed) {
        if (pushed) { self.removeLocal(local.key); }
        if (!(pushed && pushed.settled)) { self.offer(local); }
      });
    }
    if (local) { this.removeLocal(local.key); }
    if (server) { this.offer(server); }
  };

  FormDraft.prototype.offer = function (draft) {
    var form = this.form;
    var current = fieldsOf(form);
    if (holdsTheSame(draft.fields, current)) {
      this.request("/discard", { key: draft.key }).catch(function () { return null; });
      return;
    }
    var schedule = form.querySelector("input[name=schedule]");
    if (schedule && draft.fields.schedule && draft.fields.schedule !== schedule.value) {
      this.banner(draft, "You have a draft from " + when(draft.savedAt) + " typed with another interview schedule.", draft.fields.schedule);
      return;
    }
    if (this.revision > 0) {
      // Typing began before the server answered: never put the draft over it; offer it.
      this.banner(draft, "You have an earlier draft from " + when(draft.savedAt) + ".", null, true);
      return;
    }
    this.restore(draft);
  };

  FormDraft.prototype.restore = function (draft) {
    var form = this.form;
    if (draft.key !== this.key) {
      // A new interview's earlier form: carry on with it, so its draft is the one replaced.
      this.key = draft.key;
      var token = form.querySelector("input[name=form_token]");
      if (token) { token.value = draft.key.split(":").pop(); }
    }
    apply(form, draft.fields);
    var details = form.closest("details");
    if (details) { details.open = true; }
    this.banner(draft, "Restored your draft from " + when(draft.savedAt) + ".", null);
  };

  FormDraft.prototype.banner = function (draft, text, otherSchedule, offer) {
    var self = this;
    var box = document.createElement("div");
    box.className = "draft-banner";
    box.setAttribute("role", "status");
    this.form.insertBefore(box, this.form.firstChild);
    // Filled in once the region is in the page, so that screen readers announce it.
    window.setTimeout(function () {
      var line = document.createElement("p");
      var strong = document.createElement("strong");
      strong.textContent = text;
      line.appendChild(strong);
      line.appendChild(document.createTextNode(otherSchedule || offer
        ? " "
        : " It is not saved yet: check it, then save. "));
      if (offer) {
        var restore = document.createElement("button");
        restore.type = "button";
        restore.textContent = "Restore it instead of what you typed";
        restore.addEventListener("click", function () {
          box.remove();
          self.restore(draft);
        });
        line.appendChild(restore);
        line.appendChild(document.createTextNode(" "));
      }
      if (otherSchedule) {
        var link = document.createElement("a");
        var url = new URL(window.location.href);
        url.searchParams.set("schedule", otherSchedule);
        link.href = url.toString();
        link.textContent = "Show that schedule and restore it";
        line.appendChild(link);
        line.appendChild(document.createTextNode(" "));
      }
      var discard = document.createElement("button");
      discard.type = "button";
      discard.className = "secondary outline";
      discard.textContent = "Discard it";
      discard.addEventListener("click", function () {
        if (offer) { self.forgetEarlier(draft, box); } else { self.discard(draft, box); }
      });
      line.appendChild(discard);
      box.appendChild(line);
    }, 50);
  };

  // The earlier draft offered beside new typing goes; the typing stays as it is.
  FormDraft.prototype.forgetEarlier = function (draft, box) {
    if (draft.key !== this.key) {
      this.removeLocal(draft.key);
      this.request("/discard", { key: draft.key }).catch(function () { return null; });
    }
    box.textContent = "";
    var done = document.createElement("p");
    done.textContent = "Earlier draft discarded: the form keeps what you typed.";
    box.appendChild(done);
  };

  FormDraft.prototype.discard = function (draft, box) {
    if (this.timer) { window.clearTimeout(this.timer); this.timer = null; }
    this.removeLocal(draft.key);
    this.removeLocal();
    this.request("/discard", { key: draft.key }).catch(function () { return null; });
    apply(this.form, this.original);
    this.sentRevision = this.revision;
    this.state.hidden = true;
    box.textContent = "";
    var done = document.createElement("p");
    done.textContent = "Draft discarded: the form shows what is saved.";
    box.appendChild(done);
    var first = this.form.querySelector("textarea, input:not([type=hidden]), select");
    if (first) { first.focus(); }
  };

  var liveRegion = null;
  function announce(message) {
    if (!liveRegion) {
      liveRegion = document.createElement("div");
      liveRegion.className = "visually-hidden";
      liveRegion.setAttribute("role", "status");
      document.body.appendChild(liveRegion);
    }
    window.setTimeout(function () { liveRegion.textContent = message; }, 50);
  }

  // One request per page asks the server about every form on it (a voice page has a note box
  // per step).
  function askServer(forms) {
    var byUrl = {};
    forms.forEach(function (draft) {
      if (draft.waiting) { (byUrl[draft.url] = byUrl[draft.url] || []).push(draft); }
    });
    Object.keys(byUrl).forEach(function (url) {
      var waiting = byUrl[url];
      var query = waiting.map(function (draft) { return "key=" + encodeURIComponent(draft.key); });
      fetch(url + "?" + query.join("&"), {
        credentials: "same-origin", redirect: "manual", headers: { "Accept": "application/json" }
      }).then(function (response) {
        return response.ok ? readJson(response) : null;
      }).catch(function () { return null; }).then(function (answer) {
        var found = (answer && answer.drafts) || {};
        waiting.forEach(function (draft) { draft.resume(found[draft.key] || null); });
      });
    });
  }

  var started = typeof WeakSet === "function" ? new WeakSet() : null;

  function startForms() {
    var forms = [];
    each(document.querySelectorAll("form[data-draft-key]"), function (form) {
      if (started && started.has(form)) { return; }
      if (started) { started.add(form); }
      var draft = new FormDraft(form);
      draft.start();
      forms.push(draft);
    });
    return forms;
  }

  pruneOldCopies();
  askServer(startForms());
  // Forms a page script swapped in (htmx: a refused note's box with its message, the voice
  // page's step list redrawn): keep drafts of them too. One that holds words already (typed
  // before the swap, kept by the page) is a draft at once; an empty one asks the server.
  if (started) {
    document.addEventListener("htmx:afterSettle", function () {
      var fresh = startForms().filter(function (draft) {
        if (!draft.waiting) { return false; }
        var typed = Object.keys(draft.original).some(function (name) { return draft.original[name]; });
        if (typed) { draft.waiting = false; draft.changed(); }
        return !typed;
      });
      askServer(fresh);
    });
  }
})();
