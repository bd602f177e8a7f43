  // ---------- talking to the gateway ----------

  function api(path, options) {
    options = options || {};
    var headers = { Accept: "application/json" };
    if (options.body !== undefined) headers["Content-Type"] = "application/json";
    if (options.token) headers.Authorization = "Bearer " + options.token;
    return fetch(gateway + path, {
      method: options.method || "GET",
      headers: headers,
      body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
      credentials: "omit",
      cache: "no-store",
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (body) {
        return { status: response.status, ok: response.ok, body: body };
      });
    });
  }

  function forgetConversation() {
    closeStream();
    stopPolling();
    conversation = null;
    saveConversation();
  }

  function ensureConversation() {
    if (conversation) return Promise.resolve(conversation);
    if (creating) return creating;
    creating = api("/api/v1/conversations", { method: "POST", body: picked ? { language: picked } : {} })
      .then(function (response) {
        if (response.status !== 201 || !response.body || !response.body.id) throw new Error("create failed");
        conversation = { id: response.body.id, token: response.body.token, language: picked, lastSeq: 0 };
        saveConversation();
        openStream();
        return conversation;
      })
      .finally(function () {
        creating = null;
      });
    return creating;
  }

  function setTyping(on) {
    typing.hidden = !on;
    if (on) scrollToEnd();
  }

  /**
   * Send what the person typed (`text`) or a button they pressed (`payload`); `shown` is what their
   * bubble says. Resolves true when the gateway accepted the message.
   */
  function newMessageId() {
    var bytes = new Uint8Array(12);
    window.crypto.getRandomValues(bytes);
    return "w-" + Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  /** POST once more with the same client_message_id when the network failed: never a second reply. */
  function send(conv, body) {
    var path = "/api/v1/conversations/" + encodeURIComponent(conv.id) + "/messages";
    var request = { method: "POST", token: conv.token, body: body };
    return api(path, request).catch(function () {
      return new Promise(function (resolve) { setTimeout(resolve, RESEND_MS); }).then(function () {
        return api(path, request);
      });
    });
  }

  function post(body, shown, retried) {
    clearActions(true);
    var item = renderPerson(shown, picked);
    setTyping(true);
    body.client_message_id = body.client_message_id || newMessageId();
    return ensureConversation().then(function (conv) {
      if (picked) body.language = picked;
      return send(conv, body);
    }).then(function (response) {
      setTyping(false);
      if (response.ok) {
        var result = response.body || {};
        if (result.received) handleItem(result.received, false); // already on screen: remember its seq
        (result.messages || []).forEach(function (m) { handleItem(m, false); });
        showFrom(item);
        return true;
      }
      item.parentNode.removeChild(item);
      if ((response.status === 401 || response.status === 404) && !retried) {
        forgetConversation(); // e.g. the gateway's database was reset: start a new conversation
        delete body.language;
        delete body.client_message_id;
        return post(body, shown, true);
      }
      var detail = response.body && response.body.detail;
      if ((response.status === 422 || response.status === 429) && detail && typeof detail.message === "string") {
        renderNote(detail.message);
      } else {
        renderNote(t("widget_send_failed"), uiLanguage);
      }
      return false;
    }, function () {
      setTyping(false);
      if (item.parentNode) item.parentNode.removeChild(item);
      renderNote(t("widget_send_failed"), uiLanguage);
      return false;
    });
  }

  function run(body, shown) {
    if (sending) return Promise.resolve(false);
    sending = true;
    sendButton.disabled = true;
    return post(body, shown, false).finally(function () {
      sending = false;
      sendButton.disabled = false;
    });
  }

  function sendPayload(payload, title) {
    input.focus(); // the pressed button goes away with the choices: keep the keyboard in the panel
    return run({ payload: payload }, title);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    if (!text.trim() || sending) {
      input.focus();
      return;
    }
    input.value = "";
    run({ text: text }, text).then(function (ok) {
      if (!ok && !input.value) input.value = text; // keep what was typed
      input.focus();
    });
  });

  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      if (typeof form.requestSubmit === "function") form.requestSubmit();
      else form.dispatchEvent(new Event("submit", { cancelable: true }));
    }
  });

  humanButton.addEventListener("click", function () {
    sendPayload(HUMAN_PAYLOAD, t("widget_talk_to_person"));
  });

  picker.addEventListener("change", function () {
    picked = supported(picker.value) ? picker.value : null;
    if (conversation) {
      conversation.language = picked;
      saveConversation();
    }
    updateUiLanguage();
  });
