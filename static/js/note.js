/* A note typed on a bad connection is never lost: every keystroke is kept in this browser
   (localStorage) until the server has saved the same text; the copy comes back after a
   reload, and a save is retried when the connection returns. htmx does the saving. */
(function () {
  "use strict";
  var box = document.getElementById("note-body");
  if (!box || !window.localStorage) return;
  var key = box.getAttribute("data-local-key");
  var form = document.getElementById("note-form");

  function show(cls, on) {
    var el = document.querySelector("#note-status ." + cls);
    if (el) el.hidden = !on;
  }
  function save() {
    if (window.htmx) window.htmx.trigger(box, "retry");
  }
  // This script runs before htmx has processed the page (both are deferred; htmx starts at
  // DOMContentLoaded), and a "retry" fired then reaches no listener: the recovered text was
  // shown but never saved. So the first save waits for htmx's own load of the page.
  function saveWhenReady() {
    if (!window.htmx) return;
    var done = false;
    window.htmx.onLoad(function () {
      if (done) return;
      done = true;
      setTimeout(save, 0);
    });
  }

  var restored = false;  // the "brought back" notice outlives the save's new status
  var kept = localStorage.getItem(key);
  if (kept !== null) {
    var finals = Array.prototype.map.call(
      document.querySelectorAll(".note.final .body"), function (el) { return el.textContent; });
    if (kept === box.value || finals.indexOf(kept) >= 0) {
      localStorage.removeItem(key);  // already on the server
    } else if (kept.length) {
      box.value = kept;
      restored = true;
      show("restored", true);
      saveWhenReady();
    }
  }

  box.addEventListener("input", function () {
    restored = false;
    localStorage.setItem(key, box.value);
  });
  document.body.addEventListener("htmx:afterRequest", function (e) {
    if (e.detail.elt !== box) return;
    if (e.detail.successful && localStorage.getItem(key) === box.value) {
      localStorage.removeItem(key);
    }
    show("offline", !e.detail.successful && !e.detail.xhr.status);
    if (restored) show("restored", true);
  });
  document.body.addEventListener("htmx:sendError", function (e) {
    if (e.detail.elt === box) show("offline", true);
  });
  window.addEventListener("online", save);
  if (form) {
    form.addEventListener("submit", function () { localStorage.setItem(key, box.value); });
  }
})();
