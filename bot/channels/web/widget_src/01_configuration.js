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
