// 问答库 search: a search box above each answer select (data-answer-search holds its label);
// typing keeps the answers whose question, keywords, category or answer hold every word.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("select[data-answer-search]").forEach(function (select) {
    var input = document.createElement("input");
    input.type = "search";
    input.placeholder = select.dataset.answerSearch;
    input.setAttribute("aria-label", select.dataset.answerSearch);
    input.className = "answer-search border rounded-md px-3 py-2 mb-2 w-full max-w-2xl";
    select.parentNode.insertBefore(input, select);
    input.addEventListener("input", function () {
      var words = input.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
      select.querySelectorAll("option").forEach(function (option) {
        if (!option.value) return;
        var text = (option.dataset.words || option.text).toLowerCase();
        var match = words.every(function (w) { return text.indexOf(w) !== -1; });
        option.hidden = !match;
        option.disabled = !match;
      });
      select.querySelectorAll("optgroup").forEach(function (group) {
        group.hidden = !group.querySelector("option:not([hidden])");
      });
      // Never chosen by typing (choosing closes the ticket): a hidden choice is cleared.
      var chosen = select.options[select.selectedIndex];
      if (chosen && chosen.hidden) select.value = "";
    });
  });
});
