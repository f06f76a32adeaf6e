// The tablet attendance screen. No tap is lost: each tap gets an id (a UUID) and its time on the
// tablet, shows at once as pending (待同步) and waits in a queue kept in localStorage until the server
// has answered it; the queue is sent in order, with backoff, and survives a reload, a closed tab and a logout.
// Each tap carries the person who tapped it: only their own taps are sent under the session, another
// person's wait for them or for the logged-in person's explicit "send them as mine". A tap the server
// refuses as a conflict (409) stays, shown on its card as not recorded. A short poll asks for what changed
// since the board version the tablet has. The search box filters the cards by name, pinyin or initials.
// The board's cards come with an empty slot for their buttons (600 cards would carry 600 copies): the page
// sends them once in a <template>, cloned into each slot here; a card the server sends alone (a tap's
// answer, a changed card) comes with its own. A service worker keeps this screen and the static files for a reload offline.
(function () {
  "use strict";

  var POLL_MS = 2000;
  var MAX_BACKOFF_MS = 30000;

  var board, meetingId, queueKey, me;
  var sending = false;
  var polling = false;
  var backoff = 0;
  var retryTimer = null;
  var lastFailure = null; // null, "offline", "login" or "switched"
  var hadQueue = false;
  var memory = null; // the queue, while this browser refuses to store it (then leaving would lose it)
  var earlyConfirmed = false;

  function uuid4() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = crypto.getRandomValues(new Uint8Array(16)); // randomUUID needs a secure context; this does not
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function loadQueue() {
    if (memory) return memory.slice();
    try {
      return JSON.parse(localStorage.getItem(queueKey) || "[]");
    } catch (error) {
      return [];
    }
  }

  function saveQueue(queue) {
    try {
      if (queue.length) localStorage.setItem(queueKey, JSON.stringify(queue));
      else localStorage.removeItem(queueKey);
      memory = null;
    } catch (error) {
      memory = queue;
    }
  }

  function mine(tap) {
    return tap.user === me;
  }

  // Taps that may be sent now: this person's, not refused.
  function sendable(tap) {
    return mine(tap) && !tap.refused;
  }

  function deputiesOf(taps) {
    var seen = {};
    taps.forEach(function (tap) { seen[tap.deputy] = true; });
    return Object.keys(seen).length;
  }

  // Who is logged in in this browser now, as the last page loaded says (portal.js); null if unknown.
  function browserUser() {
    try {
      return localStorage.getItem("portal.user");
    } catch (error) {
      return null;
    }
  }

  function sessionFailure() {
    var user = browserUser();
    if (user === null || user === me) return null;
    return user === "" ? "login" : "switched";
  }

  function csrfToken() {
    var input = document.querySelector('input[name="csrf_token"]');
    return input ? input.value : "";
  }

  function fragment(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    return template.content;
  }


  function cardOf(deputyId) {
    return document.getElementById("card-" + deputyId);
  }

  // Give a board card its buttons from the page's template: its id in the URLs and ids, its state pressed.
  function decorate(card, closed) {
    var template = document.getElementById("card-actions");
    var slot = card.querySelector(".card-actions-slot");
    if (closed && slot) slot.remove();
    if (closed || !template || (card.querySelector(".card-actions") && !slot)) return;
    var actions = template.content.firstElementChild.cloneNode(true);
    var deputyId = card.id.slice(5);
    actions.querySelectorAll("form, label, input, small").forEach(function (node) {
      ["action", "for", "id"].forEach(function (name) {
        var value = node.getAttribute(name);
        if (value && value.indexOf("{id}") >= 0) node.setAttribute(name, value.split("{id}").join(deputyId));
      });
    });
    var state = card.querySelector(".card-status").dataset.status;
    actions.querySelectorAll(".status-button").forEach(function (button) {
      var value = button.value || "excused";
      button.setAttribute("aria-pressed", value === state ? "true" : "false");
    });
    var reason = card.querySelector(".card-reason");
    if (reason) actions.querySelector('input[name="reason"]').value = reason.textContent;
    if (slot) slot.replaceWith(actions);
    else card.appendChild(actions);
  }

  function decorateAll(grid) {
    var closed = grid.dataset.closed === "1";
    grid.querySelectorAll(".attendance-card").forEach(function (card) { decorate(card, closed); });
  }

  // What the search box matches, as portal/pinyin.py's search_key has it: the name, each reading of it
  // run together, and each reading's initials (a run of Latin letters stays whole). data-pinyin holds
  // the readings in short: syllables by spaces, readings by "|".
  function searchKey(card) {
    if (card.searchKey) return card.searchKey;
    var name = card.querySelector(".card-name").textContent.toLowerCase();
    var readings = (card.dataset.pinyin || "").split("|").map(function (reading) { return reading.split(" "); });
    card.searchKey = [name].concat(
      readings.map(function (syllables) { return syllables.join(""); }),
      readings.map(function (syllables) {
        return syllables.map(function (s) { return name.indexOf(s) >= 0 ? s : s.charAt(0); }).join("");
      })).join(" ");
    return card.searchKey;
  }

  function notesOf(card) {
    var notes = card.querySelector(".card-notes");
    if (!notes) {
      notes = document.createElement("div");
      notes.className = "card-notes";
      card.querySelector("header").after(notes);
    }
    return notes;
  }

  function busy(card) {
    var active = document.activeElement;
    return !!(card.querySelector("details[open]") || (active && card.contains(active) && active.tagName === "INPUT"));
  }

  // A refused tap's note on its card: not recorded, which mark, and the server's reason.
  function showRefused(card, refused) {
    card.querySelectorAll(".tap-refused").forEach(function (note) { note.remove(); });
    card.classList.toggle("is-refused", refused.length > 0);
    refused.forEach(function (tap) {
      var note = document.createElement("p");
      note.className = "field-error card-refusal tap-refused";
      note.setAttribute("role", "alert");
      note.textContent = board.dataset.refusedNote.replace("{mark}", tap.label).replace("{reason}", tap.refused);
      notesOf(card).appendChild(note);
    });
  }

  // Show a card's queued taps: the last one's status, marked 待同步, in the pending colour; taps refused as not recorded.
  function overlay(card) {
    if (!card) return;
    var deputyId = card.id.slice(5);
    var own = loadQueue().filter(function (tap) { return tap.deputy === deputyId && mine(tap); });
    var taps = own.filter(sendable);
    showRefused(card, taps.length ? [] : own.filter(function (tap) { return tap.refused; }));
    var chip = card.querySelector(".card-status");
    if (!taps.length) {
      card.classList.remove("is-pending");
      if (chip && chip.dataset.confirmed) {
        chip.textContent = chip.dataset.confirmed;
        chip.dataset.status = chip.dataset.confirmedStatus;
        delete chip.dataset.confirmed;
      }
      return;
    }
    var last = taps[taps.length - 1];
    card.classList.add("is-pending");
    if (chip) {
      if (!chip.dataset.confirmed) {
        chip.dataset.confirmed = chip.textContent;
        chip.dataset.confirmedStatus = chip.dataset.status;
      }
      chip.dataset.status = "pending";
      chip.textContent = board.dataset.pending + " · " + last.label;
    }
    card.querySelectorAll(".status-button").forEach(function (button) {
      var value = button.value || (button.closest("details") ? "excused" : "");
      button.setAttribute("aria-pressed", value === last.status ? "true" : "false");
    });
    var refusal = card.querySelector(".card-refusal");
    if (refusal) refusal.remove();
  }

  function focusCard(card) {
    var target = card.querySelector('.status-button[aria-pressed="true"]') || card;
    target.focus();
  }

  // A refused tap's reason stays on its card until the next tap there (overlay removes it), whatever the poll brings.
  function keepRefusal(shown, incoming) {
    var refusal = shown.querySelector(".card-refusal:not(.tap-refused)");
    if (refusal && !incoming.querySelector(".card-refusal")) notesOf(incoming).appendChild(refusal);
  }

  // Put a card from the server in place of the one shown, unless the one shown is newer.
  function placeCard(incoming, fromPoll) {
    var current = document.getElementById(incoming.id);
    if (!current) return true;
    if (Number(incoming.dataset.version) < Number(current.dataset.version)) return true;
    if (fromPoll && busy(current)) return false;
    var hadFocus = current.contains(document.activeElement);
    keepRefusal(current, incoming);
    current.replaceWith(incoming);
    overlay(incoming);
    applyFilter();
    if (hadFocus) focusCard(incoming);
    return true;
  }

  function placeTally(incoming) {
    var current = document.getElementById(incoming.id);
    if (current) current.replaceWith(incoming);
  }


  // The banner counts deputies, not taps: five taps on four deputies are four cards waiting.
  function showBanner() {
    var banner = document.getElementById("queue-banner");
    if (!banner) return;
    var queue = loadQueue();
    var waiting = deputiesOf(queue.filter(sendable));
    var refused = deputiesOf(queue.filter(function (tap) { return mine(tap) && tap.refused; }));
    banner.classList.remove("is-offline", "is-synced");
    if (waiting) {
      hadQueue = true;
      var message = memory ? banner.dataset.unsafe : lastFailure ? banner.dataset[lastFailure] : banner.dataset.syncing;
      banner.textContent = message.replace("{n}", String(waiting));
      if (lastFailure || memory) banner.classList.add("is-offline");
    } else if (refused) {
      banner.textContent = banner.dataset.refused.replace("{n}", String(refused));
      banner.classList.add("is-offline");
    } else if (hadQueue) {
      banner.textContent = banner.dataset.synced;
      banner.classList.add("is-synced");
    } else {
      banner.textContent = "";
    }
  }

  // Before the meeting's day (the tablet's clock against the day's start in the portal's zone), a tap asks
  // once per screen: a tablet set up the evening before just works the next morning, a wrong meeting is caught.
  function confirmEarly(form, submitter) {
    var dialog = document.getElementById("early-confirm");
    if (earlyConfirmed || !dialog || !dialog.showModal || Date.now() >= Number(board.dataset.dayStarts)) return true;
    dialog.returnValue = "";
    dialog.addEventListener("close", function () {
      if (dialog.returnValue !== "confirm") return;
      earlyConfirmed = true;
      enqueue(form, submitter);
    }, { once: true });
    dialog.showModal();
    return false;
  }

  function enqueue(form, submitter) {
    var card = form.closest(".attendance-card");
    var status = submitter && submitter.name === "status" ? submitter.value : form.elements.status.value;
    var reasonField = form.elements.reason;
    var reason = reasonField ? reasonField.value.trim() : "";
    if (status === "excused" && !reason) {
      var error = form.querySelector(".field-error");
      error.textContent = board.dataset.reasonRequired;
      error.hidden = false;
      reasonField.setAttribute("aria-invalid", "true");
      reasonField.setAttribute("aria-describedby", error.id);
      reasonField.focus();
      return;
    }
    if (!confirmEarly(form, submitter)) return;
    var label = status === "excused" ? card.querySelector(".leave summary").textContent.replace("…", "")
      : submitter.textContent;
    var deputyId = card.id.slice(5);
    // A new tap on a card supersedes this person's refused ones there.
    var queue = loadQueue().filter(function (tap) { return !(tap.refused && mine(tap) && tap.deputy === deputyId); });
    queue.push({
      id: uuid4(), deputy: deputyId, url: form.action, status: status, reason: reason,
      sheetOn: form.elements.sheet_on ? form.elements.sheet_on.value : "", label: label.trim(), tappedAt: Date.now(),
      user: me, userName: board.dataset.userName,
    });
    saveQueue(queue);
    var details = card.querySelector("details[open]");
    if (details) details.open = false;
    overlay(card);
    focusCard(card);
    showBanner();
    pump();
  }

  function retryLater(failure) {
    lastFailure = failure;
    showBanner();
    backoff = Math.min(backoff ? backoff * 2 : 1000, MAX_BACKOFF_MS);
    clearTimeout(retryTimer);
    retryTimer = setTimeout(pump, backoff);
  }

  function settled(tap) {
    saveQueue(loadQueue().filter(function (queued) { return queued.id !== tap.id; }));
  }

  // A tap the server would not record (its id already used elsewhere): kept, with the reason, never counted as synced.
  function refused(tap, content) {
    var note = content.querySelector(".card-refusal") || content.firstElementChild;
    var reason = (note ? note.textContent : content.textContent).trim() || board.dataset.notRecorded;
    saveQueue(loadQueue().map(function (queued) {
      if (queued.id === tap.id) queued.refused = reason;
      return queued;
    }));
    overlay(cardOf(tap.deputy));
  }

  // Send this person's oldest queued tap; on an answer go on with the next, on no answer try again later.
  function pump() {
    var tap = loadQueue().filter(sendable)[0];
    var failure = sessionFailure();
    if (failure && tap) {
      lastFailure = failure; // another person (or nobody) is logged in in this browser now: send nothing
      showBanner();
      return;
    }
    if (sending || !tap) {
      showBanner();
      return;
    }
    var body = new URLSearchParams({
      csrf_token: csrfToken(), status: tap.status, reason: tap.reason, tap_id: tap.id,
      tapped_at: String(tap.tappedAt), sent_at: String(Date.now()),
    });
    if (tap.sheetOn) body.append("sheet_on", tap.sheetOn);
    sending = true;
    fetch(tap.url, {
      method: "POST", body: body, credentials: "same-origin", redirect: "manual",
      headers: { "HX-Request": "true", "X-CSRFToken": csrfToken() },
    }).then(function (response) {
      if (response.status === 200 || response.status === 422 || response.status === 409) {
        return response.text().then(function (html) {
          if (response.status === 409) {
            refused(tap, fragment(html));
          } else {
            settled(tap);
            answered(tap, fragment(html));
          }
          lastFailure = null;
          backoff = 0;
          sending = false;
          renderForeign();
          pump();
        });
      }
      sending = false;
      // A redirect to the login page or a refused CSRF token: the session has ended.
      retryLater(response.type === "opaqueredirect" || response.status === 400 ? "login" : "offline");
    }).catch(function () {
      sending = false;
      retryLater("offline");
    });
  }

  // The server's answer to a tap: its card (with the reason if refused) and the tally.
  function answered(tap, content) {
    var card = content.querySelector(".attendance-card");
    var tally = content.querySelector(".tally");
    if (tally) placeTally(tally);
    if (card) {
      placeCard(card, false); // the server's card is the newest there is, with the refusal's reason on it
      return;
    }
    var local = cardOf(tap.deputy);
    var reason = content.querySelector(".card-refusal");
    if (local) {
      overlay(local);
      if (reason) notesOf(local).appendChild(reason);
    }
  }


  function poll() {
    if (polling || document.hidden) return;
    polling = true;
    var url = board.dataset.changesUrl + (board.dataset.changesUrl.indexOf("?") < 0 ? "?" : "&") +
      "since=" + encodeURIComponent(board.dataset.version);
    fetch(url, { credentials: "same-origin", redirect: "manual", headers: { "HX-Request": "true" } })
      .then(function (response) {
        if (response.status === 204) return null;
        if (response.status !== 200) throw new Error(String(response.status));
        return response.text().then(function (html) {
          applyChanges(fragment(html), response.headers.get("X-Board-Version"));
        });
      })
      .then(function () {
        polling = false;
        if (lastFailure && loadQueue().filter(sendable).length) {
          backoff = 0;
          clearTimeout(retryTimer);
          pump(); // the server answers again: send the queue now
        }
      })
      .catch(function () {
        polling = false;
        if (loadQueue().filter(sendable).length) {
          lastFailure = lastFailure || "offline";
          showBanner();
        }
      });
  }

  function applyChanges(content, version) {
    var complete = true;
    var grid = content.querySelector(".attendance-grid");
    if (grid) {
      var shown = document.getElementById(grid.id);
      if (shown && !shown.querySelector("details[open]")) {
        var hadFocus = shown.contains(document.activeElement) ? document.activeElement.closest(".attendance-card") : null;
        grid.querySelectorAll(".attendance-card").forEach(function (card) {
          var before = document.getElementById(card.id);
          if (before) keepRefusal(before, card);
        });
        shown.replaceWith(grid);
        board.dataset.closed = grid.dataset.closed; // closed or reopened: the cards come with or without buttons
        document.getElementById("closed-notice").hidden = grid.dataset.closed !== "1";
        decorateAll(grid);
        grid.querySelectorAll(".attendance-card").forEach(overlay);
        applyFilter();
        if (hadFocus && cardOf(hadFocus.id.slice(5))) focusCard(cardOf(hadFocus.id.slice(5)));
      } else {
        complete = false;
      }
    } else {
      content.querySelectorAll(".attendance-card").forEach(function (card) {
        if (!placeCard(card, true)) complete = false;
      });
    }
    var tally = content.querySelector(".tally");
    if (tally) placeTally(tally);
    if (complete && version) board.dataset.version = version; // a busy card is fetched again next time
  }


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
      card.hidden = query !== "" && searchKey(card).indexOf(query) === -1;
    });
  }


  // Ask the service worker to keep this screen and what it loads for today (the worker names and prunes its daily copies).
  function keepForOffline() {
    if (!("serviceWorker" in navigator)) return;
    var assets = [window.location.pathname];
    document.querySelectorAll('script[src], link[rel="stylesheet"], link[rel="icon"]').forEach(function (node) {
      assets.push(node.getAttribute("src") || node.getAttribute("href"));
    });
    navigator.serviceWorker.register(board.dataset.workerUrl).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      var channel = new MessageChannel();
      channel.port1.onmessage = function (event) {
        if (event.data === true) document.documentElement.dataset.offlineReady = "true";
      };
      registration.active.postMessage({ keep: assets }, [channel.port2]);
    }).catch(function () { /* no worker (plain http): the queue still keeps every tap */ });
  }


  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!board || !form.closest || !form.closest(".attendance-card")) return;
    event.preventDefault();
    enqueue(form, event.submitter);
  });

  document.addEventListener("input", function (event) {
    if (event.target === searchBox()) applyFilter();
  });

  window.addEventListener("online", function () {
    backoff = 0;
    clearTimeout(retryTimer);
    pump();
  });

  // Another person's taps: listed, sent only when the person logged in now says so (they are recorded under
  // that person's name), or when the one who tapped logs in again.
  function renderForeign() {
    var panel = document.getElementById("foreign-taps");
    if (!panel) return;
    var foreign = loadQueue().filter(function (tap) { return !mine(tap); });
    panel.hidden = !foreign.length;
    if (!foreign.length) return;
    var names = [];
    foreign.forEach(function (tap) {
      var name = tap.userName || panel.dataset.someone;
      if (names.indexOf(name) < 0) names.push(name);
    });
    panel.querySelector(".foreign-taps-text").textContent = panel.querySelector(".foreign-taps-text").dataset.text
      .split("{name}").join(names.join("、"));
    var list = panel.querySelector(".foreign-taps-list");
    list.textContent = "";
    foreign.forEach(function (tap) {
      var card = cardOf(tap.deputy);
      var item = document.createElement("li");
      item.textContent = (card ? card.querySelector(".card-name").textContent : "#" + tap.deputy) + " · " + tap.label +
        " · " + new Date(tap.tappedAt).toLocaleString();
      list.appendChild(item);
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-foreign]");
    if (!button || !board) return;
    var adopt = button.dataset.foreign === "adopt";
    var queue = [];
    loadQueue().forEach(function (tap) {
      if (mine(tap)) queue.push(tap);
      else if (adopt) queue.push(Object.assign(tap, { user: me, userName: board.dataset.userName }));
    });
    saveQueue(queue);
    renderForeign();
    board.querySelectorAll(".attendance-card").forEach(overlay);
    pump();
  });

  // The queue lives in localStorage, so leaving or reloading loses nothing (the banner says so): only a
  // browser that refused to store it is asked to stay.
  window.addEventListener("beforeunload", function (event) {
    if (board && memory && memory.filter(sendable).length) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // A login or logout in another tab: stop sending as soon as the browser's person is not this screen's.
  window.addEventListener("storage", function (event) {
    if (!board || event.key !== "portal.user") return;
    if (!sessionFailure() && (lastFailure === "switched" || lastFailure === "login")) lastFailure = null;
    pump();
  });

  document.addEventListener("DOMContentLoaded", function () {
    board = document.querySelector(".attendance-board");
    applyFilter();
    if (!board) return;
    meetingId = board.dataset.meeting;
    queueKey = "portal.attendance.queue." + meetingId;
    me = board.dataset.user;
    board.querySelectorAll(".attendance-grid").forEach(decorateAll);
    board.querySelectorAll(".attendance-card").forEach(overlay);
    renderForeign();
    showBanner();
    pump();
    setInterval(poll, POLL_MS);
    keepForOffline();
  });
})();
