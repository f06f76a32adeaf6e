// Every page: the phone's folded menu, and keyboard focus kept on the part an htmx swap replaced.
(function () {
  "use strict";

  var CONTROLS = "a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled]), summary, [tabindex]";

  function setMenu(toggle, open) {
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    toggle.closest(".site-header").classList.toggle("menu-open", open);
  }

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest(".menu-toggle");
    if (toggle) setMenu(toggle, toggle.getAttribute("aria-expanded") !== "true");
    // A "today" button beside a date the person must choose: today on the portal's clock, written by the server.
    var today = event.target.closest("[data-today-for]");
    if (today) {
      var input = document.getElementById(today.getAttribute("data-today-for"));
      if (input) {
        input.value = today.getAttribute("data-today");
        input.dispatchEvent(new Event("change", { bubbles: true }));
        input.focus();
      }
    }
  });

  // Escape closes the open menu and gives the focus back to its button.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var toggle = document.querySelector(".menu-toggle[aria-expanded='true']");
    if (!toggle) return;
    setMenu(toggle, false);
    toggle.focus();
  });

  // A table wider than the screen scrolls in its own box: let the keyboard reach the box to scroll it.
  function focusableScrollers(root) {
    root.querySelectorAll(".table-wrap").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth) box.setAttribute("tabindex", "0");
      else box.removeAttribute("tabindex");
    });
  }

  document.addEventListener("DOMContentLoaded", function () { focusableScrollers(document); });
  window.addEventListener("resize", function () { focusableScrollers(document); });
  document.addEventListener("htmx:after:settle", function () { focusableScrollers(document); });

  // A swap that removed the focused element would drop the focus to the page body: put it on the
  // element the swap brought in (the same id if it has one) or the first control of the updated part.
  var focusedId = null;
  var hadFocus = false;

  document.addEventListener("htmx:before:swap", function () {
    var active = document.activeElement;
    hadFocus = !!active && active !== document.body;
    focusedId = hadFocus ? active.id || null : null;
  });

  document.addEventListener("htmx:after:swap", function (event) {
    var active = document.activeElement;
    if (!hadFocus || (active && active !== document.body && active.isConnected)) return;
    var ctx = event.detail && event.detail.ctx;
    var target = ctx && ctx.target;
    if (typeof target === "string") target = document.querySelector(target);
    if (target && !target.isConnected && target.id) target = document.getElementById(target.id);
    if (!target || !target.isConnected) return;
    var next = (focusedId && document.getElementById(focusedId)) || target.querySelector(CONTROLS);
    if (!next) {
      next = target;
      if (!next.hasAttribute("tabindex")) next.setAttribute("tabindex", "-1");
    }
    next.focus({ preventScroll: true });
  });
})();
