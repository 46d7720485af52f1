// Report job page: poll the job's status and move the progress bar until the file is ready,
// then show its download link. Without this file the page offers a "Check progress" link.
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

  function percent(job) {  // as the page's template says it
    return Math.floor(100 * job.steps_done / Math.max(job.steps_total, 1));
  }

  function show(job) {
    box.dataset.state = job.state;
    if (job.state === "queued") {
      bar.removeAttribute("value");  // an indeterminate bar: nothing has started yet
    } else {
      bar.max = Math.max(job.steps_total, 1);
      bar.value = job.steps_done;
      bar.textContent = percent(job) + "%";
    }
    var text = job.stage;
    if (job.state === "running" && job.steps_total) {
      text += " (" + percent(job) + "%)";
    }
    if (stage.textContent !== text) { stage.textContent = text; }
    hint.hidden = !(job.state === "queued" && !job.retry && job.waited_seconds > hintAfter);
    if (job.download_url) {
      link.href = job.download_url;
      size.textContent = job.file_bytes ? " (" + megabytes(job.file_bytes) + ")" : "";
      ready.hidden = false;
    }
    if (job.retry) {
      problem.textContent = job.problem;
      failed.hidden = false;
    }
  }

  function finished(job) { return job.state === "done" || job.state === "failed"; }

  function poll() {
    fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
        if (response.redirected || (response.ok && !json)) {
          window.location.reload();  // logged out meanwhile: let the page show the login
          return null;
        }
        if (response.status >= 400 && response.status < 500) {
          stage.textContent = "This report is no longer available. Reload the page to see why.";
          return null;
        }
        if (!response.ok) { throw new Error("status " + response.status); }
        return response.json();
      })
      .then(function (job) {
        if (!job) { return; }
        show(job);
        if (!finished(job)) { window.setTimeout(poll, 1000); }
      })
      .catch(function () {
        stage.textContent = "Lost touch with the server; trying again…";
        window.setTimeout(poll, 3000);
      });
  }

  if (box.dataset.state !== "done" && box.dataset.state !== "failed") { window.setTimeout(poll, 500); }
})();
