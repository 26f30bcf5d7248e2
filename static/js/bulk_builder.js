// The lead operation builder (templates/leads/builder.html): show only the inputs of the chosen
// way of selecting leads (pasted IDs, a file, a filter, or the list's selection).
(function () {
  "use strict";

  var form = document.getElementById("builder-form");
  if (!form) return;

  function show() {
    var method = (form.querySelector("input[name=method]:checked") || {}).value || "ids";
    form.querySelectorAll("[data-method]").forEach(function (el) {
      el.hidden = el.dataset.method !== method;
    });
  }

  form.addEventListener("change", show);
  show();
})();
