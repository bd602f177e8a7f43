// Staff inbox: live updates over server-sent events, a counter, browser notifications.
// The pages work without this script; it only refreshes the live parts of the page in place.
"use strict";
(function () {
  const counter = document.getElementById("waiting-count");
  if (!counter) return; // the login page
  const status = document.getElementById("live-status");
  const notifyButton = document.getElementById("notify");
  const baseTitle = document.title;
  let refreshTimer = null;
  let source = null;

  function showNewest() {
    const transcript = document.getElementById("transcript");
    if (transcript) transcript.scrollTop = transcript.scrollHeight;
  }

  function setTitle(count) {
    document.title = count > 0 ? "(" + count + ") " + baseTitle : baseTitle;
  }

  async function refresh() {
    const response = await fetch(window.location.href, { headers: { "Accept": "text/html" }, credentials: "same-origin" });
    if (response.redirected && response.url.indexOf("/inbox/login") !== -1) { window.location.assign(response.url); return; }
    if (!response.ok) return;
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
    document.querySelectorAll("[data-live]").forEach(function (old) {
      const replacement = fresh.getElementById(old.id);
      if (replacement) old.replaceWith(document.importNode(replacement, true));
    });
    showNewest();
    const freshCount = fresh.getElementById("waiting-count");
    if (freshCount) {
      counter.textContent = freshCount.textContent;
      counter.dataset.count = freshCount.dataset.count;
      setTitle(Number(freshCount.dataset.count));
    }
  }

  function scheduleRefresh() {
    if (refreshTimer) return;
    refreshTimer = window.setTimeout(function () { refreshTimer = null; refresh().catch(function () {}); }, 150);
  }

  function announce(event) {
    if (event.change !== "created") return;
    const text = (event.urgent ? "NOTFALL: " : "") + "Neue Übergabe " + event.ticket;
    status.textContent = text;
    if ("Notification" in window && Notification.permission === "granted") {
      const note = new Notification("Willkommen · Posteingang", { body: text, tag: event.ticket });
      note.onclick = function () { window.focus(); window.location.assign("/inbox/tickets/" + event.ticket); };
    }
  }

  function connect() {
    source = new EventSource("/inbox/events");
    source.addEventListener("open", function () { status.textContent = ""; scheduleRefresh(); });
    source.addEventListener("ticket", function (message) {
      const event = JSON.parse(message.data);
      announce(event);
      scheduleRefresh();
    });
    source.addEventListener("error", function () {
      status.textContent = "Live-Verbindung unterbrochen, sie wird wiederhergestellt …";
    });
  }

  if (notifyButton && "Notification" in window && Notification.permission === "default") {
    notifyButton.hidden = false;
    notifyButton.addEventListener("click", function () {
      Notification.requestPermission().then(function () { notifyButton.hidden = true; });
    });
  }
  setTitle(Number(counter.dataset.count));
  showNewest();
  connect();
  window.setInterval(scheduleRefresh, 60000); // waiting times keep moving
  window.addEventListener("pagehide", function () { if (source) source.close(); });
})();
