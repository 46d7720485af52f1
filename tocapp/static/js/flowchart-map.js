// Progressive enhancement for the mapping page: "Add a step here" fills the add form's theme and
// group and moves to its text box without reloading. Without JavaScript the same link reloads the
// page with the form filled in (see _cell_from_query in web/flowcharts.py).
(function () {
  "use strict";
  var form = document.querySelector("#add-step form");
  if (!form) { return; }
  var theme = form.querySelector("select[name=theme]");
  var group = form.querySelector("select[name=group_id]");
  var text = form.querySelector("textarea[name=text]");
  document.querySelectorAll("a.add-here[data-theme][data-group]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (!theme || !group || !text) { return; }
      event.preventDefault();
      theme.value = link.dataset.theme;
      group.value = link.dataset.group;
      form.scrollIntoView({ behavior: "smooth", block: "start" });
      text.focus({ preventScroll: true });
    });
  });
})();
