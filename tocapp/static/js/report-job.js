// Report job page: poll the job's status and move the progress bar until the file is ready,
// then show its download link. Without this file the page refreshes itself every few seconds.
(function () {
  "use strict";
  var box = document.getElementById("report-job");
  if (!box) { return; }
  var bar = document.getElementById("job-progress");
  var stage = document.getElementById("job-stage");
  var ready = document.getElementById("job-ready");
  var link = document.getElementById("job-download");
  var size = document.getElementById("job-size");
  var failed = document.getElementById("job-failed");
  var problem = document.getElementById("job-problem");
  var hint = document.getElementById("job-worker-hint");
  var hintAfter = Number(box.dataset.hintAfter || 30);

  function megabytes(bytes) {
    return bytes >= 1e6 ? (bytes / 1e6).toFixed(1) + " MB" : Math.max(1, Math.round(bytes / 1e3)) + " kB";
  }

  function show(job) {
    box.dataset.state = job.state;
    if (job.state === "queued") {
      bar.removeAttribute("value");  // an indeterminate bar: nothing has started yet
    } else {
      bar.max = Math.max(job.steps_total, 1);
      bar.value = job.steps_done;
      bar.textContent = job.steps_done + " of " + job.steps_total;
    }
    var text = job.stage;
    if (job.state === "running" && job.steps_total) {
      text += " (" + job.steps_done + " of " + job.steps_total + " steps)";
    }
    if (stage.textContent !== text) { stage.textContent = text; }
    hint.hidden = !(job.state === "queued" && job.waited_seconds > hintAfter);
    if (job.state === "done") {
      link.href = job.download_url;
      size.textContent = job.file_bytes ? " (" + megabytes(job.file_bytes) + ")" : "";
      ready.hidden = false;
    }
    if (job.state === "failed" || job.stalled) {
      problem.textContent = job.problem;
      failed.hidden = false;
    }
  }

  function poll() {
    fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("status " + response.status); }
        return response.json();
      })
      .then(function (job) {
        show(job);
        if (job.state !== "done" && job.state !== "failed") { window.setTimeout(poll, 1000); }
      })
      .catch(function () {
        stage.textContent = "Lost touch with the server; trying again…";
        window.setTimeout(poll, 3000);
      });
  }

  if (box.dataset.state !== "done" && box.dataset.state !== "failed") { window.setTimeout(poll, 500); }
})();
