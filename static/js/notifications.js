// The bell's unread count, live: opens /ws/notifications/ (the server sends
// {type: "notifications", unread, latest} on connect and on every change) and reconnects when
// the socket drops. No inline script or style: the count is text and the `hidden` attribute.
(function () {
  "use strict";

  var RETRY_MS = 5000;

  function show(bell, unread) {
    var count = bell.querySelector("[data-unread-count]");
    if (!count) return;
    count.textContent = String(unread);
    count.setAttribute("aria-label", unread + " unread");
    count.hidden = unread === 0;
    bell.dataset.unread = String(unread);
  }

  function connect(bell) {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket;
    try {
      socket = new WebSocket(scheme + window.location.host + bell.dataset.wsPath);
    } catch (error) {
      return;
    }
    socket.addEventListener("message", function (event) {
      var message;
      try {
        message = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      if (message && message.type === "notifications" && typeof message.unread === "number") {
        show(bell, message.unread);
      }
    });
    socket.addEventListener("close", function (event) {
      if (event.code === 4401) return; // signed out: nothing to show
      window.setTimeout(function () { connect(bell); }, RETRY_MS);
    });
  }

  function start() {
    var bell = document.querySelector("[data-notification-bell]");
    if (bell && "WebSocket" in window) connect(bell);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
