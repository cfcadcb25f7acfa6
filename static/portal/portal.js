/* Worker portal: after a form comes back with errors, the focus goes to the first thing to fix
   (WCAG 3.3.1; issue #14) instead of staying where the page starts. A field the server marked
   aria-invalid comes first; otherwise a shown error message (a refused request, a form error
   without a field). Error messages that are hidden (not shown yet) are skipped. */
(function () {
  function visible(el) {
    return !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  }
  /* Whether one of the messages describing the field is on screen. */
  function shownError(field) {
    var ids = (field.getAttribute("aria-describedby") || "").split(" ");
    for (var k = 0; k < ids.length; k++) {
      var box = ids[k] && document.getElementById(ids[k]);
      if (box && box.closest(".error") && !box.closest("[hidden]") && visible(box)) {
        return true;
      }
    }
    return false;
  }
  function focusFirstError() {
    var fields = document.querySelectorAll('main [aria-invalid="true"]');
    for (var i = 0; i < fields.length; i++) {
      if (visible(fields[i]) && shownError(fields[i])) {
        fields[i].focus();
        return;
      }
    }
    var alerts = document.querySelectorAll('main .error[role="alert"]:not([hidden])');
    for (var j = 0; j < alerts.length; j++) {
      if (visible(alerts[j]) && alerts[j].textContent.trim()) {
        alerts[j].setAttribute("tabindex", "-1");
        alerts[j].focus();
        return;
      }
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusFirstError);
  } else {
    focusFirstError();
  }
})();
