/* A note typed on a bad connection is never lost: every keystroke is kept in this browser
   (localStorage) until the server has saved the same text; the copy comes back after a
   reload, and a save is retried when the connection returns. htmx does the saving; it is
   loaded when the note is first written in (or a kept copy must be saved), not with the page:
   17 KB that a file page read on 2G does not wait for. */
(function () {
  "use strict";
  var me = document.currentScript;
  var box = document.getElementById("note-body");
  if (!box || !window.localStorage) return;
  var key = box.getAttribute("data-local-key");
  var form = document.getElementById("note-form");

  var waiting = [], loading = false, typed = false;
  function withHtmx(fn) {
    if (window.htmx) { fn(); return; }
    var src = me && me.getAttribute("data-htmx");
    if (!src) return;
    waiting.push(fn);
    if (loading) return;
    loading = true;
    // htmx starts at once only in a complete document (between DOMContentLoaded and load it
    // would wait for a DOMContentLoaded that has passed): so after the page's load
    if (document.readyState === "complete") inject(src);
    else window.addEventListener("load", function () { inject(src); });
  }
  function inject(src) {
    var s = document.createElement("script");
    s.src = src;
    s.onload = function () {  // htmx has processed the page as it started (it was complete)
      var run = waiting;
      waiting = [];
      run.forEach(function (f) { f(); });
    };
    s.onerror = function () { loading = false; };  // offline: the next focus tries again
    document.head.appendChild(s);
  }

  function show(cls, on) {
    var el = document.querySelector("#note-status ." + cls);
    if (el) el.hidden = !on;
  }
  function save() {
    withHtmx(function () { window.htmx.trigger(box, "retry"); });
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
      save();
    }
  }

  function saveTyped() {  // what was typed before htmx arrived, saved once it has
    if (typed) { typed = false; save(); }
  }
  box.addEventListener("focus", function () { withHtmx(saveTyped); });
  box.addEventListener("input", function () {
    restored = false;
    typed = !window.htmx;
    localStorage.setItem(key, box.value);
    if (!window.htmx) withHtmx(saveTyped);
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
