  // ---------- open / close ----------

  function isOpen() {
    return !panel.hidden;
  }

  function setOpen(open, focus) {
    panel.hidden = !open;
    launcher.setAttribute("aria-expanded", open ? "true" : "false");
    root.classList.toggle("wk-open", open);
    try {
      sessionStorage.setItem(OPEN_KEY, open ? "1" : "0");
    } catch (e) { /* ignore */ }
    if (open) {
      unread.hidden = true;
      scrollToEnd();
      if (focus) input.focus();
    } else if (focus) {
      launcher.focus();
    }
  }

  launcher.addEventListener("click", function () {
    setOpen(!isOpen(), true);
  });
  closeButton.addEventListener("click", function () {
    setOpen(false, true);
  });
  panel.addEventListener("keydown", function (event) {
    if (event.key === "Escape" || event.key === "Esc") {
      event.preventDefault();
      setOpen(false, true);
    }
  });

  // ---------- rendering messages ----------

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  // Keep the reading position when the panel changes size (a phone's keyboard opens, the window is
  // resized, a full-page screenshot): at the end stays at the end.
  var readingPosition = { top: 0, atEnd: true };
  log.addEventListener("scroll", function () {
    readingPosition.top = log.scrollTop;
    readingPosition.atEnd = log.scrollHeight - log.scrollTop - log.clientHeight < 24;
  }, { passive: true });

  function restoreReadingPosition() {
    if (panel.hidden) return;
    if (readingPosition.atEnd) scrollToEnd();
    else log.scrollTop = readingPosition.top;
  }

  window.addEventListener("resize", restoreReadingPosition);
  if (typeof window.ResizeObserver === "function") new ResizeObserver(restoreReadingPosition).observe(log);

  /** After a reply: show the person's message and the start of the answer (long answers scroll). */
  function showFrom(item) {
    if (!item.parentNode) return;
    var offset = item.getBoundingClientRect().top - log.getBoundingClientRect().top - 8;
    if (offset < 0) log.scrollTop += offset; // only upwards: a short reply is already in view
  }

  var SENDER_KEYS = { person: "widget_sender_you", bot: "widget_sender_bot", staff: "widget_sender_staff",
    system: "widget_sender_system" };

  function senderLabel(role) {
    var label = el("span", "wk-sender" + (role === "staff" ? "" : " wk-visually-hidden"));
    label.setAttribute("data-wk-lang", "");
    bind(label, SENDER_KEYS[role] || "widget_sender_system");
    return label;
  }

  function bubble(role, text, language, extraClass) {
    var item = el("div", "wk-msg wk-msg-" + role + (extraClass ? " " + extraClass : ""));
    if (supported(language)) {
      item.lang = language;
      item.dir = dirOf(language);
    } else {
      item.dir = "auto";
    }
    var sender = senderLabel(role);
    item.appendChild(sender);
    if (role !== "staff") sender.appendChild(document.createTextNode(": "));
    item.appendChild(el("div", "wk-text", text));
    return item;
  }

  function append(item) {
    log.appendChild(item);
    scrollToEnd();
    if (!isOpen()) unread.hidden = false;
  }

  function renderPerson(text, language) {
    var item = bubble("person", text, language || undefined);
    append(item);
    return item;
  }

  function renderNote(text, language) {
    var item = bubble("system", text, language, "wk-note");
    append(item);
    return item;
  }

  function removeAll(selector) {
    var nodes = log.querySelectorAll(selector);
    for (var i = 0; i < nodes.length; i++) nodes[i].parentNode.removeChild(nodes[i]);
  }

  /**
   * Only the latest message offers quick replies. Feedback thumbs stay on the answers of the
   * last turn (an answer is often followed by a referral with its own buttons) until the person
   * says something new.
   */
  function clearActions(withFeedback) {
    removeAll(".wk-quick");
    if (withFeedback) removeAll(".wk-feedback");
    var bars = log.querySelectorAll(".wk-actions");
    for (var i = 0; i < bars.length; i++) if (!bars[i].firstChild) bars[i].parentNode.removeChild(bars[i]);
  }

  /** A reply (bot, staff or system): the gateway's one message schema (`ChatMessage`). */
  function renderReply(envelope) {
    var role = envelope.role === "staff" || envelope.role === "system" ? envelope.role : "bot";
    var kind = String(envelope.kind || "info").replace(/[^a-z_]/g, "");
    var item = bubble(role, envelope.text || "", envelope.language, "wk-kind-" + kind);

    if (kind === "emergency") {
      var badge = el("span", "wk-badge");
      badge.setAttribute("data-wk-lang", "");
      bind(badge, "widget_emergency");
      item.insertBefore(badge, item.querySelector(".wk-text"));
    }
    if (envelope.ticket && (kind === "handoff" || kind === "emergency")) { // staff replies carry it too
      var ticket = el("p", "wk-ticket");
      ticket.setAttribute("data-wk-lang", "");
      bind(ticket, "widget_ticket", null, { ticket: String(envelope.ticket) });
      item.appendChild(ticket);
    }
    var sources = (envelope.sources || []).filter(function (s) { return s && safeUrl(s.url); });
    if (sources.length) {
      var box = el("div", "wk-sources");
      var heading = el("p", "wk-sources-label");
      heading.setAttribute("data-wk-lang", "");
      bind(heading, "widget_sources");
      box.appendChild(heading);
      var list = el("ul", "wk-source-list");
      sources.forEach(function (source) {
        var li = el("li", "wk-source");
        var link = el("a", "wk-source-link", source.title || source.url);
        link.href = safeUrl(source.url);
        link.target = "_blank";
        link.rel = "noopener noreferrer";
        var hint = el("span", "wk-visually-hidden");
        hint.setAttribute("data-wk-lang", "");
        bind(hint, "widget_opens_new_tab");
        link.appendChild(document.createTextNode(" "));
        link.appendChild(hint);
        li.appendChild(link);
        if (source.reviewed) {
          var reviewed = el("span", "wk-reviewed");
          reviewed.setAttribute("data-wk-lang", "");
          bind(reviewed, "widget_reviewed", null, function () {
            return { date: formatDate(source.reviewed, uiLanguage || envelope.language) };
          });
          li.appendChild(reviewed);
        }
        list.appendChild(li);
      });
      box.appendChild(list);
      item.appendChild(box);
    }

    var buttons = (envelope.buttons || []).filter(function (b) { return b && b.payload; });
    if (buttons.length) {
      clearActions(false);
      var actions = el("div", "wk-actions");
      var feedback = buttons.filter(function (b) { return FEEDBACK_PAYLOADS[b.payload]; });
      var replies = buttons.filter(function (b) { return !FEEDBACK_PAYLOADS[b.payload]; });
      if (feedback.length) {
        var thumbs = el("div", "wk-feedback");
        feedback.forEach(function (b) {
          var which = FEEDBACK_PAYLOADS[b.payload];
          var button = el("button", "wk-thumb wk-thumb-" + which);
          button.type = "button";
          button.appendChild(icon(which === "positive" ? ICONS.up : ICONS.down));
          bind(button, "widget_feedback_" + which, "aria-label");
          bind(button, "widget_feedback_" + which, "title");
          button.addEventListener("click", function () {
            sendPayload(b.payload, b.title);
          });
          thumbs.appendChild(button);
        });
        actions.appendChild(thumbs);
      }
      if (replies.length) {
        var group = el("div", "wk-quick");
        group.setAttribute("role", "group");
        bind(group, "widget_quick_replies", "aria-label");
        replies.forEach(function (b) {
          var button = el("button", "wk-quick-reply", b.title);
          button.type = "button";
          if (supported(envelope.language)) button.lang = envelope.language;
          button.addEventListener("click", function () {
            sendPayload(b.payload, b.title);
          });
          group.appendChild(button);
        });
        actions.appendChild(group);
      }
      item.appendChild(actions);
    }
    append(item);

    if (role === "bot" && supported(envelope.language) && envelope.language !== conversationLanguage) {
      conversationLanguage = envelope.language;
      if (!picked) updateUiLanguage();
    }
  }

  /**
   * One stored message, from the POST reply, the history, polling or the live stream: shown once,
   * by its seq. The person's own messages appear when they send them; only a reload shows them
   * from the history.
   */
  function handleItem(item, fromHistory) {
    if (!item || typeof item.seq !== "number" || seen[item.seq]) return;
    seen[item.seq] = true;
    if (conversation && item.seq > lastSeq()) {
      conversation.lastSeq = item.seq;
      saveConversation();
    }
    if (item.role === "person") {
      if (fromHistory) {
        clearActions(true);
        renderPerson(item.text || "");
      }
      return;
    }
    renderReply(item);
  }
