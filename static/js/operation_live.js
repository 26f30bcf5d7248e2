// Live progress of a bulk operation's page. Opens the operation's WebSocket and updates the
// counters and the progress bar on each progress_update; on operation_completed it reloads
// the server-rendered partial. While the socket is live, window.operationSocketLive is true,
// which pauses the partial's own htmx polling (hx-trigger="every 2s" on an element marked
// data-poll-unless-socket: its polls are cancelled below, as a trigger filter would need eval);
// if the socket cannot open or closes before the end, polling takes over again.
(function () {
  "use strict";

  var STATUS_LABELS = {
    draft: "Draft",
    scheduled: "Scheduled",
    pending: "Pending",
    in_progress: "In progress",
    completed: "Completed",
    cancelled: "Cancelled",
    failed: "Failed",
  };

  function live() {
    return document.getElementById("operation-live");
  }

  function isFinal() {
    var el = live();
    return !el || el.dataset.final === "1";
  }

  // A time as the server renders it: in the location's zone (the page's data-time-zone), named.
  function zonedTime(date) {
    var page = document.querySelector("[data-operation-page]");
    var zone = (page && page.dataset.timeZone) || "UTC";
    try {
      return date.toLocaleTimeString("en-US", { timeZone: zone, timeZoneName: "short", hour12: false });
    } catch (e) {
      return date.toISOString().slice(11, 19) + " UTC";
    }
  }

  function number(value) {
    return Number(value || 0).toLocaleString("en-US");
  }

  function setField(name, text) {
    var el = live();
    if (!el) return;
    el.querySelectorAll('[data-field="' + name + '"]').forEach(function (node) {
      node.textContent = text;
    });
  }

  function showProgress(msg) {
    var el = live();
    if (!el) return;
    var percent = Math.max(0, Math.min(100, Number(msg.progress_percentage) || 0));
    setField("percentage", String(percent));
    ["processed", "successful", "failed", "skipped", "total"].forEach(function (name) {
      setField(name, number(msg[name]));
    });
    var bar = el.querySelector("[data-progressbar]");
    if (bar) {
      bar.setAttribute("aria-valuenow", String(percent));
      bar.setAttribute("aria-valuetext", percent + "% (" + number(msg.processed) + " of " + number(msg.total) + ")");
      var fill = bar.querySelector(".progress-fill");
      if (fill) fill.style.width = percent + "%";
    }
    var badge = el.querySelector('[data-field="status"]');
    if (badge && msg.status && badge.dataset.status !== msg.status) {
      badge.className = "badge badge-op-" + msg.status;
      badge.dataset.status = msg.status;
      badge.textContent = STATUS_LABELS[msg.status] || msg.status;
      // A new status brings new times and actions (Started, Cancel): render them on the server.
      reloadLive();
    }
    setField("rate", msg.items_per_second ? number(msg.items_per_second) + " records/s" : "—");
    if (msg.estimated_completion) {
      var eta = new Date(msg.estimated_completion);
      var seconds = Math.max(0, Math.round((eta - new Date()) / 1000));
      var left = seconds >= 60 ? Math.round(seconds / 60) + " min" : seconds + " s";
      setField("eta", zonedTime(eta) + " (in " + left + ")");
    }
  }

  var progressUrl = "";

  function reloadLive() {
    if (window.htmx && live() && progressUrl) {
      window.htmx.ajax("GET", progressUrl, { target: "#operation-live", swap: "outerHTML" });
    } else {
      window.location.reload();
    }
  }

  function start() {
    var page = document.querySelector("[data-operation-page]");
    if (!page || isFinal()) return;
    progressUrl = page.dataset.progressUrl;
    if (!("WebSocket" in window)) return; // htmx polling carries progress.
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var completed = false;
    var socket;
    try {
      socket = new WebSocket(scheme + window.location.host + page.dataset.wsPath);
    } catch (error) {
      window.operationSocketLive = false;
      return;
    }
    socket.addEventListener("open", function () {
      window.operationSocketLive = true;
    });
    socket.addEventListener("message", function (event) {
      var msg;
      try {
        msg = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      if (msg.type === "progress_update") {
        showProgress(msg);
      } else if (msg.type === "operation_completed") {
        completed = true;
        window.operationSocketLive = false;
        reloadLive();
      }
    });
    function fallBack() {
      if (!completed) window.operationSocketLive = false;
    }
    socket.addEventListener("error", fallBack);
    socket.addEventListener("close", fallBack);
  }

  // A poll is a request the partial itself issues; reloadLive() issues its requests from the body.
  document.addEventListener("htmx:confirm", function (event) {
    if (window.operationSocketLive && event.target.matches("[data-poll-unless-socket]")) {
      event.preventDefault();
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
