// Choice lists (templates/_macros/forms.html choice_list): the search box hides the options that do
// not match (name, pinyin, initials, detail); Enter in it never submits the form.
(function () {
  "use strict";

  function filter(box) {
    var list = box.closest(".choice-list");
    var query = box.value.trim().toLowerCase();
    var shown = 0;
    list.querySelectorAll(".choice-options label").forEach(function (label) {
      var match = query === "" || (label.dataset.search || "").indexOf(query) !== -1;
      label.hidden = !match;
      if (match) shown += 1;
    });
    list.querySelector(".choice-none").hidden = shown > 0;
  }

  document.addEventListener("input", function (event) {
    if (event.target.classList.contains("choice-search")) filter(event.target);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.classList.contains("choice-search")) event.preventDefault();
  });
})();
