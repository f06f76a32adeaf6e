// Every page: the phone's folded menu, keyboard focus kept on the part an htmx swap replaced, and the
// logout: who is logged in is noted for the door screen's queue, the offline copies are dropped, and a
// logout without network says so instead of leaving for the browser's error page.
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

  function sessionMeta() {
    return document.querySelector('meta[name="portal-session"]');
  }

  // Who is logged in in this browser, for the door screen in other tabs (its queued taps are sent only as their own person's).
  function noteUser(id) {
    try {
      localStorage.setItem("portal.user", id);
    } catch (error) { /* storage refused: the door screen then goes by its own page alone */ }
  }

  // Noted as the script runs (the head is parsed by then), before any page's DOMContentLoaded work reads it.
  if (sessionMeta()) noteUser(sessionMeta().content);

  // Ask every service worker of the portal to drop its offline copies (the boards hold names, marks and
  // leave reasons); go on after its answer or after a short wait.
  function forgetOfflineCopies() {
    if (!("serviceWorker" in navigator)) return Promise.resolve();
    return navigator.serviceWorker.getRegistrations().then(function (registrations) {
      return Promise.all(registrations.map(function (registration) {
        var worker = registration.active;
        if (!worker) return null;
        return new Promise(function (resolve) {
          var channel = new MessageChannel();
          channel.port1.onmessage = resolve;
          worker.postMessage({ forget: true }, [channel.port2]);
          setTimeout(resolve, 3000);
        });
      }));
    }).catch(function () { /* no worker to ask */ });
  }

  function showLogoutFailure(meta) {
    document.querySelectorAll("details[open]").forEach(function (details) { details.open = false; });
    var main = document.querySelector("main");
    var notice = document.getElementById("logout-offline");
    if (!notice) {
      notice = document.createElement("p");
      notice.id = "logout-offline";
      notice.className = "flash flash-error";
      notice.setAttribute("role", "alert");
      main.insertBefore(notice, main.firstChild);
    }
    notice.textContent = meta.dataset.offline;
    notice.scrollIntoView({ block: "nearest" });
  }

  // The logout form, sent here: without network the person learns they are still logged in; with it, the
  // offline copies go before the login page comes.
  document.addEventListener("submit", function (event) {
    var meta = sessionMeta();
    var form = event.target;
    if (!meta || !window.fetch || new URL(form.action, location.href).pathname !== meta.dataset.logout) return;
    event.preventDefault();
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin", redirect: "manual" })
      .then(function (response) {
        if (response.type !== "opaqueredirect" && !response.ok) {
          form.submit(); // the server said no (an expired form …): let it say why
          return null;
        }
        noteUser("");
        return forgetOfflineCopies().then(function () { window.location.assign(meta.dataset.login); });
      }, function () {
        showLogoutFailure(meta);
      });
  });
})();
