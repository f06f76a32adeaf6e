// The tablet attendance screen: filter the cards as you type (name, pinyin, initials), and keep the
// 4-second poll from clobbering what the user is doing (an open leave form, a mark just sent).
(function () {
  "use strict";

  var marksSent = 0;

  function searchBox() {
    return document.getElementById("card-search");
  }

  function applyFilter() {
    var box = searchBox();
    if (!box) return;
    var query = box.value.trim().toLowerCase();
    var grid = document.getElementById(box.dataset.target);
    if (!grid) return;
    grid.querySelectorAll(".attendance-card").forEach(function (card) {
      card.hidden = query !== "" && (card.dataset.search || "").toLowerCase().indexOf(query) === -1;
    });
  }

  function isBoard(element) {
    return element && element.classList && element.classList.contains("attendance-board");
  }

  // Busy: a leave form is open or a field on a card has the focus; the next poll catches up.
  function busy(board) {
    if (board.querySelector("details[open]")) return true;
    var active = document.activeElement;
    return !!(active && board.contains(active) && active.tagName === "INPUT");
  }

  document.addEventListener("input", function (event) {
    if (event.target === searchBox()) applyFilter();
  });

  document.addEventListener("htmx:before:request", function (event) {
    var source = event.target;
    if (isBoard(source)) {
      if (busy(source)) {
        event.preventDefault();
      } else {
        source.dataset.marksAtPoll = String(marksSent);
      }
    } else if (source && source.closest && source.closest(".attendance-card")) {
      marksSent += 1;
    }
  });

  document.addEventListener("htmx:before:swap", function (event) {
    var source = event.target;
    // A poll answer older than a mark sent meanwhile would briefly undo that mark on screen.
    if (isBoard(source) && (busy(source) || source.dataset.marksAtPoll !== String(marksSent))) {
      event.preventDefault();
    }
  });

  document.addEventListener("htmx:after:swap", applyFilter);
  document.addEventListener("DOMContentLoaded", applyFilter);
})();
