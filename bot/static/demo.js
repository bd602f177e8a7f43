// Minimal demo client for the chat API. Message text is only ever set with textContent.
"use strict";
(function () {
  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const input = document.getElementById("text");
  const RTL = new Set(["ar", "fa"]);
  let conversation = JSON.parse(sessionStorage.getItem("willkommen-demo") || "null");

  function add(role, text, language, buttons) {
    const item = document.createElement("li");
    item.className = role;
    item.textContent = text;
    if (language) { item.lang = language; item.dir = RTL.has(language) ? "rtl" : "ltr"; }
    (buttons || []).forEach(function (b) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = b.title;
      button.addEventListener("click", function () { send({ payload: b.payload }, b.title); });
      item.appendChild(document.createElement("br"));
      item.appendChild(button);
    });
    log.appendChild(item);
    item.scrollIntoView({ block: "end" });
  }

  async function start() {
    if (conversation) return conversation;
    const response = await fetch("/api/v1/conversations", { method: "POST" });
    conversation = await response.json();
    sessionStorage.setItem("willkommen-demo", JSON.stringify(conversation));
    return conversation;
  }

  async function send(body, shown) {
    const c = await start();
    add("person", shown);
    const response = await fetch("/api/v1/conversations/" + c.id + "/messages", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Authorization": "Bearer " + c.token },
      body: JSON.stringify(body),
    });
    const data = await response.json();
    if (!response.ok) { add("system", (data.detail && data.detail.message) || "Error " + response.status); return; }
    data.messages.forEach(function (m) {
      let text = m.text;
      (m.sources || []).forEach(function (s) { text += "\n↗ " + s.title + " (" + s.url + ")"; });
      add(m.role, text, m.language, m.buttons);
    });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    const text = input.value;
    input.value = "";
    if (text.trim()) send({ text: text }, text);
  });
})();
