// Progressive enhancement: warn before leaving a form with typed notes that are not saved yet.
// Without JavaScript the form works the same; only the warning is missing.
(function () {
  "use strict";
  var forms = document.querySelectorAll("form[data-warn-unsaved]");
  if (!forms.length) { return; }
  var dirty = false;
  var submitting = false;
  forms.forEach(function (form) {
    form.addEventListener("input", function () { dirty = true; });
    form.addEventListener("change", function () { dirty = true; });
    form.addEventListener("submit", function () { submitting = true; });
  });
  // A page shown again after a refused save holds unsaved text from the start.
  if (document.querySelector(".interview-form .form-errors, .stale-warning")) { dirty = true; }
  window.addEventListener("beforeunload", function (event) {
    if (dirty && !submitting) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
})();
