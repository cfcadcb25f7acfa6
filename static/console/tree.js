/* Org tree (console/orgs/org/tree/): collapse an expanded node without asking the server.
   Expanding is htmx's job (hx-get on the toggle). This listener runs in the capture phase,
   before htmx's own click handler on the button, so a collapse can stop htmx from loading
   the children again. A static file rather than an onclick attribute: the CSP allows no
   inline script. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest(".tree-toggle") : null;
    if (!button) return;
    var ul = button.closest("li").querySelector(":scope > ul");
    if (button.getAttribute("aria-expanded") === "true") {
      if (ul) ul.innerHTML = "";
      button.setAttribute("aria-expanded", "false");
      button.textContent = "\u25B8";
      event.stopImmediatePropagation();
      event.preventDefault();
      return;
    }
    button.setAttribute("aria-expanded", "true");
    button.textContent = "\u25BE";
  }, true);
})();
