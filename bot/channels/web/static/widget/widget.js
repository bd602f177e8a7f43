/*
 * Willkommen web chat widget: one <script> tag puts a launcher button and a chat panel on a page.
 *
 *   <script src="https://gateway.example/static/widget/widget.js" data-language="auto"
 *           data-position="right" data-color="#0b5394" defer></script>
 *
 * Options (data attributes): data-language ("auto" or a language code), data-position ("left" or
 * "right"), data-color (main colour), data-gateway (gateway base URL; default: the origin of this
 * script's src).
 *
 * Works under the gateway's strict Content-Security-Policy: no inline scripts or style
 * attributes, no eval, no innerHTML. Every text (and above all every message) is set with
 * textContent; links only for http(s) URLs.
 */
(function () {
  "use strict";

  var ROOT_ID = "willkommen-widget";
  if (document.getElementById(ROOT_ID)) return; // included twice: one widget is enough

  var SUPPORTED = ["de", "en", "ar", "tr", "uk", "ru", "fa", "fr"];
  var RTL = ["ar", "fa"];
  var DEFAULT_LANGUAGE = "de";
  var MAX_CHARS = 2000;
  var POLL_MS = 4000;
  var SSE_RETRY_MS = 30000;
  var RESEND_MS = 1500; // a POST that got no answer is sent once more, with the same client_message_id
  var HUMAN_PAYLOAD = "/request_human";
  var FEEDBACK_PAYLOADS = { "/feedback_positive": "positive", "/feedback_negative": "negative" };
  var SVG_NS = "http://www.w3.org/2000/svg";

  // ---------- configuration from the script tag ----------

  var script = document.currentScript || document.querySelector("script[src*='widget/widget.js']");
  var scriptUrl = new URL(script ? script.src : "/static/widget/widget.js", document.baseURI);
  var data = (script && script.dataset) || {};
  var gateway = (data.gateway || scriptUrl.origin).replace(/\/+$/, "");
  var position = data.position === "left" ? "left" : "right";
  var configuredLanguage = supported(data.language) ? data.language : null; // "auto" -> null
  var color = data.color && window.CSS && CSS.supports && CSS.supports("color", data.color) ? data.color : null;

  var STORE_KEY = "willkommen-widget:" + gateway + ":conversation";
  var OPEN_KEY = "willkommen-widget:" + gateway + ":open";

  // ---------- small helpers ----------

  function supported(code) {
    return typeof code === "string" && SUPPORTED.indexOf(code) !== -1;
  }

  function dirOf(code) {
    return RTL.indexOf(code) !== -1 ? "rtl" : "ltr";
  }

  function browserLanguage() {
    var candidates = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language];
    for (var i = 0; i < candidates.length; i++) {
      var code = String(candidates[i] || "").toLowerCase().split("-")[0];
      if (supported(code)) return code;
    }
    return null;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function readJson(storage, key) {
    try {
      return JSON.parse(storage.getItem(key) || "null");
    } catch (e) {
      return null;
    }
  }

  function writeJson(storage, key, value) {
    try {
      if (value === null) storage.removeItem(key);
      else storage.setItem(key, JSON.stringify(value));
    } catch (e) {
      /* storage full or disabled: the widget still works for this page view */
    }
  }

  function safeUrl(url) {
    try {
      var parsed = new URL(url, document.baseURI);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
    } catch (e) {
      return null;
    }
  }

  function formatDate(iso, language) {
    var match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
    if (!match) return iso || "";
    var date = new Date(Date.UTC(+match[1], +match[2] - 1, +match[3]));
    try {
      return new Intl.DateTimeFormat(language, {
        day: "2-digit", month: "2-digit", year: "numeric", timeZone: "UTC",
      }).format(date);
    } catch (e) {
      return iso;
    }
  }

  function icon(paths, className) {
    var svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    svg.setAttribute("class", "wk-icon" + (className ? " " + className : ""));
    paths.forEach(function (d) {
      var path = document.createElementNS(SVG_NS, "path");
      path.setAttribute("d", d);
      svg.appendChild(path);
    });
    return svg;
  }

  var ICONS = {
    chat: ["M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"],
    close: ["M6 6l12 12", "M18 6L6 18"],
    send: ["M3 11.5L21 3l-8.5 18-2-7.5z"],
    person: ["M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8z", "M4 21a8 8 0 0 1 16 0"],
    up: ["M7 11v9H4v-9z", "M7 11l4-8a2 2 0 0 1 3 2l-1 5h6a2 2 0 0 1 2 2.3l-1.3 7A2 2 0 0 1 17.7 21H7"],
    down: ["M7 13V4H4v9z", "M7 13l4 8a2 2 0 0 0 3-2l-1-5h6a2 2 0 0 0 2-2.3l-1.3-7A2 2 0 0 0 17.7 3H7"],
  };

  // ---------- state ----------

  var stored = readJson(localStorage, STORE_KEY);
  var conversation = stored && stored.id && stored.token ? stored : null; // {id, token, language, lastSeq}
  var picked = conversation && supported(conversation.language) ? conversation.language : null;
  var conversationLanguage = null; // the language the bot last answered in
  var uiLanguage = null;
  var strings = {};
  var languages = {};
  var stringCache = {};
  var bindings = []; // [{node, key, attr, params}] relabelled when the UI language changes
  var seen = {}; // seq -> true: every message is shown once, whichever path brought it first
  var sending = false;
  var creating = null;
  var stream = null;
  var pollTimer = null;
  var sseRetryTimer = null;
  var polling = false;

  function lastSeq() {
    return (conversation && conversation.lastSeq) || 0;
  }

  function saveConversation() {
    writeJson(localStorage, STORE_KEY, conversation);
  }

  // ---------- strings ----------

  function t(key, params) {
    var text = strings[key];
    if (text === undefined) text = "";
    if (params) {
      Object.keys(params).forEach(function (name) {
        text = text.split("{" + name + "}").join(params[name]);
      });
    }
    return text;
  }

  /** Set a node's text (or attribute) from a string key now and whenever the UI language changes. */
  function bind(node, key, attr, params) {
    var binding = { node: node, key: key, attr: attr || null, params: params || null };
    bindings.push(binding);
    applyBinding(binding);
    return node;
  }

  function applyBinding(binding) {
    var params = typeof binding.params === "function" ? binding.params() : binding.params;
    var value = t(binding.key, params);
    if (binding.attr) binding.node.setAttribute(binding.attr, value);
    else binding.node.textContent = value;
    if (uiLanguage && binding.node.hasAttribute("data-wk-lang")) {
      binding.node.setAttribute("lang", uiLanguage);
      binding.node.setAttribute("dir", dirOf(uiLanguage));
    }
  }

  function fetchStrings(language) {
    if (stringCache[language]) return Promise.resolve(stringCache[language]);
    return fetch(gateway + "/api/v1/widget/strings/" + encodeURIComponent(language), {
      headers: { Accept: "application/json" },
    }).then(function (response) {
      if (!response.ok) throw new Error("strings " + response.status);
      return response.json();
    }).then(function (body) {
      stringCache[language] = body;
      return body;
    });
  }

  function wantedUiLanguage() {
    return picked || conversationLanguage || configuredLanguage || browserLanguage() || DEFAULT_LANGUAGE;
  }

  var languageRequest = 0;

  function updateUiLanguage() {
    var wanted = wantedUiLanguage();
    if (wanted === uiLanguage && strings.widget_title) return Promise.resolve();
    var request = ++languageRequest;
    return fetchStrings(wanted).then(function (body) {
      if (request !== languageRequest) return; // a later change won
      uiLanguage = wanted;
      strings = body.strings || {};
      languages = body.languages || languages;
      applyLanguage();
    }).catch(function () {
      if (!strings.widget_title && wanted !== DEFAULT_LANGUAGE) {
        return fetchStrings(DEFAULT_LANGUAGE).then(function (body) {
          uiLanguage = DEFAULT_LANGUAGE;
          strings = body.strings || {};
          languages = body.languages || languages;
          applyLanguage();
        }).catch(function () { /* the gateway is unreachable; labels stay empty until it answers */ });
      }
    });
  }

  function applyLanguage() {
    panel.setAttribute("lang", uiLanguage);
    panel.setAttribute("dir", dirOf(uiLanguage));
    launcher.setAttribute("lang", uiLanguage);
    launcher.setAttribute("dir", dirOf(uiLanguage));
    panel.setAttribute("aria-label", t("widget_title"));
    bindings = bindings.filter(function (b) { return root.contains(b.node); }); // drop removed buttons
    bindings.forEach(applyBinding);
    fillLanguagePicker();
  }

  // ---------- the DOM ----------

  var root = el("div", "wk-root wk-pos-" + position);
  root.id = ROOT_ID;
  root.hidden = true; // shown once the stylesheet has loaded (no flash of unstyled widget)
  if (color) root.style.setProperty("--wk-color", color);

  var launcher = el("button", "wk-launcher");
  launcher.type = "button";
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-controls", "wk-panel");
  launcher.appendChild(icon(ICONS.chat));
  launcher.appendChild(bind(el("span", "wk-launcher-label"), "widget_launcher"));
  var unread = el("span", "wk-unread");
  unread.hidden = true;
  unread.appendChild(bind(el("span", "wk-visually-hidden"), "widget_new_messages"));
  launcher.appendChild(unread);

  var panel = el("div", "wk-panel");
  panel.id = "wk-panel";
  panel.setAttribute("role", "dialog");
  panel.setAttribute("aria-modal", "false");
  panel.hidden = true;

  var header = el("div", "wk-header");
  var title = bind(el("p", "wk-title"), "widget_title");
  var closeButton = el("button", "wk-close");
  closeButton.type = "button";
  closeButton.appendChild(icon(ICONS.close));
  bind(closeButton, "widget_close", "aria-label");
  bind(closeButton, "widget_close", "title");
  header.appendChild(title);
  header.appendChild(closeButton);

  var toolbar = el("div", "wk-toolbar");
  var pickerWrap = el("div", "wk-picker");
  var pickerLabel = bind(el("label", "wk-picker-label"), "widget_language_label");
  pickerLabel.htmlFor = "wk-language";
  var picker = el("select", "wk-select");
  picker.id = "wk-language";
  pickerWrap.appendChild(pickerLabel);
  pickerWrap.appendChild(picker);
  var humanButton = el("button", "wk-human");
  humanButton.type = "button";
  humanButton.appendChild(icon(ICONS.person));
  humanButton.appendChild(bind(el("span"), "widget_talk_to_person"));
  toolbar.appendChild(pickerWrap);
  toolbar.appendChild(humanButton);

  var log = el("div", "wk-log");
  log.setAttribute("role", "log");
  log.setAttribute("aria-live", "polite");
  log.setAttribute("tabindex", "0");
  bind(log, "widget_log_label", "aria-label");

  var intro = el("div", "wk-intro");
  intro.setAttribute("data-wk-lang", "");
  bind(intro, "widget_intro");
  var privacy = el("div", "wk-intro wk-privacy");
  privacy.setAttribute("data-wk-lang", "");
  bind(privacy, "privacy_notice");
  var introBox = el("div", "wk-intro-box");
  introBox.appendChild(intro);
  introBox.appendChild(privacy);
  log.appendChild(introBox);

  var typing = el("div", "wk-typing");
  typing.hidden = true;
  typing.setAttribute("role", "status");
  var dots = el("span", "wk-dots");
  dots.setAttribute("aria-hidden", "true");
  dots.appendChild(el("span"));
  dots.appendChild(el("span"));
  dots.appendChild(el("span"));
  typing.appendChild(dots);
  var typingText = bind(el("span", "wk-typing-text"), "widget_typing");
  typing.appendChild(typingText);

  var form = el("form", "wk-composer");
  form.noValidate = true;
  var inputLabel = bind(el("label", "wk-visually-hidden"), "widget_input_label");
  inputLabel.htmlFor = "wk-input";
  var input = el("textarea", "wk-input");
  input.id = "wk-input";
  input.rows = 1;
  input.maxLength = MAX_CHARS;
  input.setAttribute("autocomplete", "off");
  bind(input, "widget_input_placeholder", "placeholder");
  var sendButton = el("button", "wk-send");
  sendButton.type = "submit";
  sendButton.appendChild(icon(ICONS.send));
  sendButton.appendChild(bind(el("span", "wk-visually-hidden"), "widget_send"));
  bind(sendButton, "widget_send", "title");
  form.appendChild(inputLabel);
  form.appendChild(input);
  form.appendChild(sendButton);

  panel.appendChild(header);
  panel.appendChild(toolbar);
  panel.appendChild(log);
  panel.appendChild(typing);
  panel.appendChild(form);
  root.appendChild(panel);
  root.appendChild(launcher);

  function fillLanguagePicker() {
    var current = picked || "auto";
    while (picker.firstChild) picker.removeChild(picker.firstChild);
    var auto = el("option", null, t("widget_language_auto"));
    auto.value = "auto";
    picker.appendChild(auto);
    SUPPORTED.forEach(function (code) {
      var option = el("option", null, languages[code] || code);
      option.value = code;
      option.lang = code;
      option.dir = dirOf(code);
      picker.appendChild(option);
    });
    picker.value = current;
  }

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
      if (response.status === 422 && detail && typeof detail.message === "string") {
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

  // ---------- start ----------

  function mount() {
    var link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = new URL("widget.css", scriptUrl).href;
    var shown = false;
    function show() {
      if (shown) return;
      shown = true;
      root.hidden = false;
      var open = null;
      try {
        open = sessionStorage.getItem(OPEN_KEY);
      } catch (e) { /* storage disabled */ }
      if (open === "1") setOpen(true, false);
    }
    link.addEventListener("load", show);
    link.addEventListener("error", show);
    document.head.appendChild(link);
    document.body.appendChild(root);
    fillLanguagePicker();
    updateUiLanguage();
    resume();
  }

  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
