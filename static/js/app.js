// Checkbox selection for the list pages' bulk bar. The bar and the rows are re-rendered by
// htmx on every filter, sort or page change, so all state lives in the DOM and handlers
// are delegated from the document. Also what the Content-Security-Policy keeps out of the
// templates: inline styles (data-width-percent, data-tag-color) and htmx's hx-on handlers and
// trigger filters, which need eval.
(function () {
  "use strict";

  function parts(root) {
    var form = root.querySelector("#bulk-form");
    if (!form) return null;
    return {
      form: form,
      rows: Array.prototype.slice.call(root.querySelectorAll("[data-select-row]")),
      pageBox: root.querySelector("[data-select-page]"),
      summary: form.querySelector("[data-selection-summary]"),
      offer: form.querySelector("[data-select-all-offer]"),
      allSelected: form.querySelector("[data-all-selected]"),
      selectAllInput: form.querySelector("[data-select-all-input]"),
      filterQueryInput: form.querySelector("[data-filter-query-input]"),
    };
  }

  function setAllMatching(p, on) {
    p.selectAllInput.disabled = !on;
    p.filterQueryInput.disabled = !on;
    if (p.allSelected) p.allSelected.hidden = !on;
  }

  function refresh(p) {
    var checked = p.rows.filter(function (box) { return box.checked; }).length;
    var allOnPage = checked > 0 && checked === p.rows.length;
    if (p.pageBox) {
      p.pageBox.checked = allOnPage;
      p.pageBox.indeterminate = checked > 0 && !allOnPage;
    }
    if (!allOnPage) setAllMatching(p, false);
    var allMatching = !p.selectAllInput.disabled;
    var noun = checked === 1 ? p.summary.dataset.noun : p.summary.dataset.plural;
    p.summary.textContent = checked + " " + noun + " selected.";
    var offering = Boolean(p.offer) && allOnPage && !allMatching;
    p.summary.hidden = allMatching || offering;
    if (p.offer) p.offer.hidden = !offering;
    p.form.hidden = checked === 0;
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!target.matches("[data-select-row], [data-select-page]")) return;
    var p = parts(document);
    if (!p) return;
    if (target.matches("[data-select-page]")) {
      p.rows.forEach(function (box) { box.checked = target.checked; });
    }
    refresh(p);
  });

  document.addEventListener("click", function (event) {
    var target = event.target;
    var p = parts(document);
    if (!p) return;
    if (target.matches("[data-select-all-matching]")) {
      setAllMatching(p, true);
      refresh(p);
    } else if (target.matches("[data-clear-selection]")) {
      p.rows.forEach(function (box) { box.checked = false; });
      setAllMatching(p, false);
      refresh(p);
    }
  });

  // Checkboxes the browser restored (back button) or a fresh swap: bring the bar in line.
  function init() {
    var p = parts(document);
    if (p) refresh(p);
  }
  document.addEventListener("DOMContentLoaded", init);
  document.addEventListener("htmx:afterSettle", init);

  // Widths and colours computed on the server arrive as data attributes and are set through
  // the CSSOM, which the policy allows (it refuses style="…" attributes).
  function each(root, selector, apply) {
    if (root.matches && root.matches(selector)) apply(root);
    root.querySelectorAll(selector).forEach(apply);
  }

  function applyStyles(root) {
    each(root, "[data-width-percent]", function (el) {
      el.style.width = el.dataset.widthPercent + "%";
    });
    each(root, "[data-tag-color]", function (el) {
      el.style.setProperty("--tag-color", el.dataset.tagColor);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { applyStyles(document); });
  document.addEventListener("htmx:load", function (event) { applyStyles(event.target); });

  // htmx keeps a snapshot of the page's HTML for Back, where the styles set above would come
  // back as style attributes, which the policy refuses: leave them out of the snapshot (the
  // restored page gets them from htmx:load) and set them again once it is taken.
  document.addEventListener("htmx:beforeHistorySave", function (event) {
    var root = event.detail.historyElt;
    each(root, "[data-width-percent], [data-tag-color]", function (el) { el.removeAttribute("style"); });
    setTimeout(function () { applyStyles(root); }, 0);
  });
})();
