// One-time form keys (operations/form_keys.py) kept with the history entry. When Back fetches
// a page again instead of keeping it whole, the browser refills the fields the user typed but
// the page comes with fresh keys: the same form would then start its work a second time. So the
// first key of each form (data-form-key names it) is kept in history.state and put back into
// every later render of the entry (a Back, a reload, an htmx swap of a polled partial).
(function () {
  "use strict";

  function keyOf(element) {
    if (element.tagName === "INPUT") return element.value;
    return JSON.parse(element.getAttribute("hx-vals") || "{}").form_key;
  }

  function setKey(element, key) {
    if (element.tagName === "INPUT") element.value = key;
    else element.setAttribute("hx-vals", JSON.stringify({ form_key: key }));
  }

  function keep(root) {
    if (!root || !root.querySelectorAll) return;
    var elements = Array.prototype.slice.call(root.querySelectorAll("[data-form-key]"));
    if (root.matches && root.matches("[data-form-key]")) elements.push(root);
    if (!elements.length) return;
    var state = history.state || {};
    var kept = Object.assign({}, state.formKeys);
    var added = false;
    elements.forEach(function (element) {
      var slot = element.getAttribute("data-form-key");
      if (kept[slot]) setKey(element, kept[slot]);
      else { kept[slot] = keyOf(element); added = true; }
    });
    if (added) history.replaceState(Object.assign({}, state, { formKeys: kept }), "");
  }

  document.addEventListener("DOMContentLoaded", function () { keep(document); });
  document.addEventListener("htmx:load", function (event) { keep(event.detail.elt); });
})();
