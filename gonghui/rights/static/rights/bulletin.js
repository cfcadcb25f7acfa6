// The 通报 page's print button (no inline handler: the console's CSP forbids them).
document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("bulletin-print");
  if (button) {
    button.addEventListener("click", function () {
      window.print();
    });
  }
});
