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
