// The tablet attendance screen. No tap is lost: each tap gets an id (a UUID) and its time on the
// tablet, shows at once as pending (待同步) and waits in a queue kept in localStorage until the server
// has answered it; the queue is sent in order, with backoff, and survives a reload. A short poll asks
// for what changed since the board version the tablet has. The search box filters the cards by name,
// pinyin or initials. The board's cards come without their buttons (600 cards would carry 600 copies):
// the page sends them once in a <template>, cloned into each card here; a card the server sends alone
// (a tap's answer, a changed card) comes with its own. A service worker keeps this screen and the static files for a reload offline.
(function () {
  "use strict";

  var POLL_MS = 2000;
  var MAX_BACKOFF_MS = 30000;

  var board, meetingId, queueKey;
  var sending = false;
  var polling = false;
  var backoff = 0;
  var retryTimer = null;
  var lastFailure = null; // null, "offline" or "login"
  var hadQueue = false;

  function uuid4() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = crypto.getRandomValues(new Uint8Array(16)); // randomUUID needs a secure context; this does not
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function loadQueue() {
    try {
      return JSON.parse(localStorage.getItem(queueKey) || "[]");
    } catch (error) {
      return [];
    }
  }

  function saveQueue(queue) {
    if (queue.length) localStorage.setItem(queueKey, JSON.stringify(queue));
    else localStorage.removeItem(queueKey);
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
    if (closed || !template || card.querySelector(".card-actions")) return;
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
    card.appendChild(actions);
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

  // Show a card's queued taps: the last one's status, marked 待同步, in the pending colour.
  function overlay(card) {
    if (!card) return;
    var deputyId = card.id.slice(5);
    var taps = loadQueue().filter(function (tap) { return tap.deputy === deputyId; });
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
    var refusal = shown.querySelector(".card-refusal");
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


  function showBanner() {
    var banner = document.getElementById("queue-banner");
    if (!banner) return;
    var count = loadQueue().length;
    banner.classList.remove("is-offline", "is-synced");
    if (count) {
      hadQueue = true;
      var message = lastFailure === "login" ? banner.dataset.login : lastFailure ? banner.dataset.offline : banner.dataset.syncing;
      banner.textContent = message.replace("{n}", String(count));
      if (lastFailure) banner.classList.add("is-offline");
    } else if (hadQueue) {
      banner.textContent = banner.dataset.synced;
      banner.classList.add("is-synced");
    } else {
      banner.textContent = "";
    }
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
    var label = status === "excused" ? card.querySelector(".leave summary").textContent.replace("…", "")
      : submitter.textContent;
    var queue = loadQueue();
    queue.push({
      id: uuid4(), deputy: card.id.slice(5), url: form.action, status: status, reason: reason,
      sheetOn: form.elements.sheet_on ? form.elements.sheet_on.value : "", label: label.trim(), tappedAt: Date.now(),
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

  // Send the oldest queued tap; on an answer go on with the next, on no answer try again later.
  function pump() {
    var queue = loadQueue();
    if (sending || !queue.length) {
      showBanner();
      return;
    }
    var tap = queue[0];
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
      if (response.status === 200 || response.status === 422) {
        return response.text().then(function (html) {
          settled(tap);
          answered(tap, fragment(html));
          lastFailure = null;
          backoff = 0;
          sending = false;
          pump();
        });
      }
      sending = false;
      retryLater(response.type === "opaqueredirect" ? "login" : "offline");
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
        if (lastFailure && loadQueue().length) {
          backoff = 0;
          clearTimeout(retryTimer);
          pump(); // the server answers again: send the queue now
        }
      })
      .catch(function () {
        polling = false;
        if (loadQueue().length) {
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

  window.addEventListener("beforeunload", function (event) {
    if (board && loadQueue().length) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    board = document.querySelector(".attendance-board");
    applyFilter();
    if (!board) return;
    meetingId = board.dataset.meeting;
    queueKey = "portal.attendance.queue." + meetingId;
    board.querySelectorAll(".attendance-grid").forEach(decorateAll);
    board.querySelectorAll(".attendance-card").forEach(overlay);
    showBanner();
    pump();
    setInterval(poll, POLL_MS);
    keepForOffline();
  });
})();
