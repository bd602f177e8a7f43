  // ---------- live updates: Server-Sent Events, polling as the fallback ----------

  function closeStream() {
    if (stream) {
      stream.close();
      stream = null;
    }
    if (sseRetryTimer) {
      clearTimeout(sseRetryTimer);
      sseRetryTimer = null;
    }
  }

  function openStream() {
    if (!conversation) return;
    closeStream();
    if (typeof window.EventSource !== "function") {
      startPolling();
      return;
    }
    var conv = conversation;
    var url = gateway + "/api/v1/conversations/" + encodeURIComponent(conv.id) + "/events?token="
      + encodeURIComponent(conv.token) + "&after=" + lastSeq();
    var source = new EventSource(url);
    stream = source;
    source.addEventListener("open", function () {
      stopPolling();
    });
    source.addEventListener("message", function (event) {
      if (conversation !== conv) return;
      try {
        handleItem(JSON.parse(event.data), false);
      } catch (e) { /* a malformed event: skip it */ }
    });
    source.addEventListener("error", function () {
      // the browser reconnects by itself (sending Last-Event-ID) unless the stream is CLOSED
      if (source.readyState === EventSource.CLOSED && stream === source) {
        stream = null;
        startPolling();
        sseRetryTimer = setTimeout(function () {
          sseRetryTimer = null;
          if (conversation === conv) openStream();
        }, SSE_RETRY_MS);
      }
    });
  }

  function poll() {
    if (!conversation || polling) return;
    var conv = conversation;
    polling = true;
    api("/api/v1/conversations/" + encodeURIComponent(conv.id) + "/messages?after=" + lastSeq(),
      { token: conv.token })
      .then(function (response) {
        if (conversation !== conv) return;
        if (response.status === 401 || response.status === 404) {
          forgetConversation();
          return;
        }
        if (response.ok && response.body) (response.body.messages || []).forEach(function (m) { handleItem(m, false); });
      }, function () { /* offline: try again at the next tick */ })
      .finally(function () {
        polling = false;
      });
  }

  function startPolling() {
    if (pollTimer) return;
    pollTimer = setInterval(poll, POLL_MS);
    poll();
  }

  function stopPolling() {
    if (pollTimer) {
      clearInterval(pollTimer);
      pollTimer = null;
    }
  }

  /** A stored conversation: show its history, then listen for what comes next. */
  function resume() {
    if (!conversation) return Promise.resolve();
    var conv = conversation;
    return api("/api/v1/conversations/" + encodeURIComponent(conv.id) + "/messages", { token: conv.token })
      .then(function (response) {
        if (conversation !== conv) return;
        if (response.status === 401 || response.status === 404) {
          forgetConversation();
          return;
        }
        if (!response.ok || !response.body) throw new Error("history " + response.status);
        var body = response.body;
        if (supported(body.language)) conversationLanguage = body.language;
        conversation.lastSeq = 0;
        (body.messages || []).forEach(function (m) { handleItem(m, true); });
        saveConversation();
        if (!isOpen()) unread.hidden = true; // old messages are not news
        if (!picked) updateUiLanguage();
        openStream();
      })
      .catch(function () {
        openStream(); // the stream replays everything after lastSeq once the gateway is back
      });
  }
