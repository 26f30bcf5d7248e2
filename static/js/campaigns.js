// Campaign pages: drag-and-drop upload, the pacing slider's value, the call-details modal (opened by
// click or Enter), confirmations.
(function () {
  "use strict";

  function setup() {
    var dropzone = document.getElementById("dropzone");
    var input = document.getElementById("id_file");
    var fileName = document.getElementById("file-name");
    if (dropzone && input) {
      ["dragenter", "dragover"].forEach(function (name) {
        dropzone.addEventListener(name, function (event) {
          event.preventDefault();
          dropzone.classList.add("dropzone-over");
        });
      });
      ["dragleave", "drop"].forEach(function (name) {
        dropzone.addEventListener(name, function () { dropzone.classList.remove("dropzone-over"); });
      });
      dropzone.addEventListener("drop", function (event) {
        event.preventDefault();
        if (!event.dataTransfer.files.length) return;
        input.files = event.dataTransfer.files;
        input.dispatchEvent(new Event("change", { bubbles: true }));
      });
      input.addEventListener("change", function () {
        fileName.textContent = input.files.length ? input.files[0].name : "";
      });
    }

    var pacing = document.getElementById("id_pacing");
    var pacingValue = document.getElementById("pacing-value");
    if (pacing && pacingValue) {
      pacing.addEventListener("input", function () { pacingValue.textContent = pacing.value; });
    }
  }

  document.addEventListener("DOMContentLoaded", setup);

  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "call-dialog-body") {
      var dialog = document.getElementById("call-dialog");
      if (dialog && !dialog.open) dialog.showModal();
    }
  });

  // Rows that open the call details on click (role="button") open them on Enter too.
  document.addEventListener("keyup", function (event) {
    var row = event.key === "Enter" && event.target.closest && event.target.closest("[data-click-on-enter]");
    if (row) row.click();
  });

  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });
})();
