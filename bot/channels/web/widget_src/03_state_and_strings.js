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
