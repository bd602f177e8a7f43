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
