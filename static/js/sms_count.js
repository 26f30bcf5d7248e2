// The message form's live SMS length: a textarea with data-sms-count-url (leads/bulk_forms.py
// MessageForm) gets a line below it with its characters, encoding and segments, counted by the
// server (leads/sms_segments.py) so that the page and the sending agree. Shown for SMS only.
(function () {
  "use strict";

  function field(form, suffix) {
    return form ? form.querySelector("[name$='" + suffix + "']") : null;
  }

  function attach(body) {
    if (body.dataset.smsCountAttached) return;
    body.dataset.smsCountAttached = "1";
    var form = body.form;
    var output = document.createElement("p");
    output.className = "help sms-count";
    output.setAttribute("aria-live", "polite");
    output.dataset.smsCount = "";
    body.insertAdjacentElement("afterend", output);
    var timer = null;
    var asked = 0;

    function update() {
      var channel = field(form, "channel");
      var template = field(form, "template");
      if (channel && channel.value !== "sms") {
        output.hidden = true;
        return;
      }
      output.hidden = false;
      var query = new URLSearchParams();
      if (template && template.value && !body.value.trim()) query.set("template", template.value);
      else query.set("text", body.value);
      var mine = ++asked;
      fetch(body.dataset.smsCountUrl + "?" + query.toString(), { credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (counted) {
          if (!counted || mine !== asked) return;
          output.textContent = "SMS: " + counted.text;
          output.classList.toggle("field-error", counted.too_long);
        });
    }

    function later() {
      clearTimeout(timer);
      timer = setTimeout(update, 250);
    }

    body.addEventListener("input", later);
    if (form) form.addEventListener("change", later);
    update();
  }

  var SELECTOR = "textarea[data-sms-count-url]";

  function scan(root) {
    if (root.matches && root.matches(SELECTOR)) attach(root);
    if (root.querySelectorAll) root.querySelectorAll(SELECTOR).forEach(attach);
  }

  document.addEventListener("DOMContentLoaded", function () { scan(document); });
  document.addEventListener("htmx:load", function (event) { scan(event.target); });
})();
