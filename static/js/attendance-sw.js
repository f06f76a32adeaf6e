// The tablets' service worker (served as /meetings/attendance-sw.js, so its scope is /meetings/).
// It keeps the attendance screens opened today and the static files they load, so that a tablet
// that lost its network and reloads still shows its roster and its queued taps. Network first:
// online the tablet always gets fresh pages; the copy is only the fallback. Nothing is kept of the
// marks and the poll, and other pages are not touched.
"use strict";

var PREFIX = "attendance-day-";
var NETWORK_TIMEOUT_MS = 4000;

function cacheName() {
  var now = new Date();
  return PREFIX + now.getFullYear() + "-" + (now.getMonth() + 1) + "-" + now.getDate();
}

function kept(request, url) {
  return request.method === "GET" &&
    (url.pathname.indexOf("/static/") === 0 || /^\/meetings\/\d+\/attendance$/.test(url.pathname));
}

// The screen's taps and polls: always the network, fetched here so that they fail like the rest when
// the tablet is offline (and the page's queue keeps them).
function live(url) {
  return /^\/meetings\/\d+\/attendance\//.test(url.pathname);
}

function fetchWithTimeout(request) {
  return new Promise(function (resolve, reject) {
    var timer = setTimeout(function () { reject(new Error("timeout")); }, NETWORK_TIMEOUT_MS);
    fetch(request).then(function (response) {
      clearTimeout(timer);
      resolve(response);
    }, function (error) {
      clearTimeout(timer);
      reject(error);
    });
  });
}

function networkFirst(request) {
  return caches.open(cacheName()).then(function (cache) {
    return fetchWithTimeout(request).then(function (response) {
      if (response.ok && response.type === "basic" && !response.redirected) cache.put(request, response.clone());
      return response;
    }, function (error) {
      return cache.match(request, { ignoreSearch: true }).then(function (copy) {
        if (copy) return copy;
        throw error;
      });
    });
  });
}

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  // Yesterday's screens are not kept: a roster is only needed on the day of its meeting.
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf(PREFIX) === 0 && name !== cacheName();
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (kept(request, url)) event.respondWith(networkFirst(request));
  else if (live(url)) event.respondWith(fetch(request));
});
