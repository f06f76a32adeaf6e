// The tablets' service worker (served as /meetings/attendance-sw.js, so its scope is /meetings/).
// It alone owns the offline copies: one cache a day, named and pruned here; the screen only asks it to keep
// itself (a message). It keeps the attendance screens opened today and the static files they load, so that a tablet
// that lost its network and reloads still shows its roster and its queued taps, until a logout, which
// drops them all (the page asks, see portal.js). Network first:
// online the tablet always gets fresh pages; the copy is only the fallback. Nothing is kept of the
// marks and the poll, and other pages are not touched.
"use strict";

var PREFIX = "attendance-day-";
var NETWORK_TIMEOUT_MS = 4000;

function cacheName() {
  var now = new Date();
  return PREFIX + now.getFullYear() + "-" + (now.getMonth() + 1) + "-" + now.getDate();
}

// What is kept (fetched with GET): the static files and the attendance screens.
function kept(url) {
  return url.origin === self.location.origin &&
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

// Yesterday's screens are not kept: a roster is only needed on the day of its meeting.
function pruneOtherDays() {
  var today = cacheName();
  return caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf(PREFIX) === 0 && name !== today;
    }).map(function (name) { return caches.delete(name); }));
  });
}

self.addEventListener("activate", function (event) {
  event.waitUntil(pruneOtherDays().then(function () { return self.clients.claim(); }));
});

// At logout the page asks to forget ({forget: true}): every copy goes, names and marks do not outlive the session.
function forgetAll() {
  return caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) { return name.indexOf(PREFIX) === 0; })
      .map(function (name) { return caches.delete(name); }));
  });
}

// A screen asks to be kept with what it loads ({keep: [urls]}); it hears true once today's copy is stored.
self.addEventListener("message", function (event) {
  var port = event.ports[0];
  if (port && event.data && event.data.forget) {
    event.waitUntil(forgetAll().then(function () { port.postMessage(true); }, function () { port.postMessage(false); }));
    return;
  }
  if (!port || !event.data || !Array.isArray(event.data.keep)) return;
  var urls = event.data.keep.filter(function (url) {
    return kept(new URL(url, self.location.href));
  });
  event.waitUntil(pruneOtherDays().then(function () {
    return caches.open(cacheName());
  }).then(function (cache) {
    return cache.addAll(urls);
  }).then(function () { port.postMessage(true); }, function () { port.postMessage(false); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "GET" && kept(url)) event.respondWith(networkFirst(request));
  else if (live(url)) event.respondWith(fetch(request));
});
