/* Console accessibility (WCAG 2.1 AA, issue #14), for what unfold's templates leave out.

   unfold builds its controls from Material Symbols ligatures and Alpine click handlers: the
   sidebar toggle, the filter button, the user menu, the theme switcher are <a>/<div>/<span>
   elements without href or tabindex, so a keyboard cannot reach them, and a screen reader reads
   the icon's ligature ("account_tree 组织树", a logo link named "diversity_3"). Forking some
   forty unfold templates would freeze unfold's version, so this script fixes the rendered page:

   - every icon ligature is aria-hidden;
   - every element with a click handler that a keyboard cannot reach becomes a button
     (role="button", tabindex="0", Enter and Space click it);
   - a control left without a name once its icon is hidden is named from the translated labels
     that templates/admin/base_site.html puts on #console-a11y-labels (keyed by icon), or from
     its title;
   - a control that opens a menu or panel says whether it is open (aria-expanded), and Escape
     closes it and returns the focus to that control.

   It runs on DOMContentLoaded and again on content that htmx or Alpine adds later. */
(function () {
  var ICONS = ".material-symbols-outlined, .material-symbols-rounded, .material-icons";
  var labels = {};
  var toggles = []; /* controls that open a menu or panel: Escape closes what they opened */

  function readLabels() {
    var holder = document.getElementById("console-a11y-labels");
    if (holder) labels = holder.dataset;
  }

  function nativelyFocusable(el) {
    var tag = el.tagName;
    if (tag === "A" || tag === "AREA") return el.hasAttribute("href");
    return /^(BUTTON|INPUT|SELECT|TEXTAREA|SUMMARY)$/.test(tag) || el.hasAttribute("tabindex");
  }

  /* The text a screen reader would read, icons left out. */
  function visibleName(el) {
    var text = "";
    el.childNodes.forEach(function (node) {
      if (node.nodeType === 3) text += node.textContent;
      else if (node.nodeType === 1 && !node.matches(ICONS) && node.getAttribute("aria-hidden") !== "true") {
        text += node.getAttribute("alt") || visibleName(node);
      }
    });
    return text.trim();
  }

  function iconOf(el) {
    var icon = el.matches(ICONS) ? el : el.querySelector(ICONS);
    return icon ? icon.textContent.trim() : "";
  }

  function nameIfMissing(el) {
    if (el.hasAttribute("aria-label") || el.hasAttribute("aria-labelledby")) return;
    if (!el.matches(ICONS) && visibleName(el)) return;
    var label = labels[iconOf(el)] || el.getAttribute("title");
    if (!label && el.matches("a[href]") && el.closest("#nav-sidebar")) label = labels.home;
    if (label) el.setAttribute("aria-label", label);
  }

  function press(event) {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      event.currentTarget.click();
    }
  }

  /* A control that opens and closes something ("openUserLinks = !openUserLinks") says whether
     it is open (aria-expanded), following Alpine's state. */
  function reflectExpanded(el) {
    var m = /^\s*(\w+)\s*=\s*!\s*(\w+)\s*;?\s*$/.exec(el.getAttribute("x-on:click") || "");
    if (!m || m[1] !== m[2] || !window.Alpine || el.hasAttribute("x-bind:aria-expanded")) return;
    var name = m[1];
    toggles.push({ el: el, name: name });
    window.Alpine.effect(function () {
      var data = window.Alpine.$data(el);
      if (data && name in data) el.setAttribute("aria-expanded", data[name] ? "true" : "false");
    });
  }

  /* Escape closes an open menu (the user menu, the theme switcher) and gives the focus back to
     the control that opened it, as a keyboard user expects of any menu. */
  function closeOnEscape(event) {
    if (event.key !== "Escape" || !window.Alpine) return;
    toggles.forEach(function (t) {
      var data = window.Alpine.$data(t.el);
      if (data && data[t.name]) {
        data[t.name] = false;
        t.el.focus();
      }
    });
  }

  function enhance(root) {
    /* An icon that is itself the control (the sidebar toggle) is named by aria-label below,
       which a screen reader reads instead of the ligature; any other icon is hidden. */
    root.querySelectorAll(ICONS).forEach(function (icon) {
      if (!icon.matches("[x-on\\:click], [\\@click]")) icon.setAttribute("aria-hidden", "true");
    });
    root.querySelectorAll("[x-on\\:click], [\\@click]").forEach(function (el) {
      if (el.dataset.a11yDone) return;
      el.dataset.a11yDone = "1";
      if (!nativelyFocusable(el)) {
        /* A backdrop that closes a panel (nothing inside it) stays out of the tab order: the
           panel has its own close control. */
        if (!el.children.length && !el.textContent.trim()) return;
        if (el.tagName !== "BUTTON" && !el.hasAttribute("role")) el.setAttribute("role", "button");
        el.setAttribute("tabindex", "0");
        el.addEventListener("keydown", press);
      }
      nameIfMissing(el);
      reflectExpanded(el);
    });
    /* Links and buttons that hold only an icon (the logo, "add"). */
    root.querySelectorAll("a[href], button").forEach(function (el) {
      if (el.querySelector(ICONS)) nameIfMissing(el);
    });
  }

  function start() {
    readLabels();
    enhance(document);
    document.addEventListener("keydown", closeOnEscape);
    new MutationObserver(function (records) {
      records.forEach(function (record) {
        record.addedNodes.forEach(function (node) {
          if (node.nodeType === 1) enhance(node.parentNode || node);
        });
      });
    }).observe(document.body, { childList: true, subtree: true });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
