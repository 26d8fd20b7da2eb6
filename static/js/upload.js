/* Uploads on a slow link. A form with data-upload is sent by this script instead of the
   browser: phone photos are shrunk first (long side 2000 px, JPEG, EXIF orientation applied;
   PDFs go as they are), a progress bar and the size being sent are shown, and a failed upload
   leaves the form exactly as typed, files chosen included, to send again. Without JavaScript
   the form posts as usual and the server's limits apply. The server answers a redirect with
   HX-Redirect (eoffice.htmx.redirect_to), so its flash message is not lost to a silent 302. */
(function () {
  "use strict";
  var LONG_SIDE = 2000;
  var TARGET = 250 * 1024;              // per photo: a few seconds each on 2G's 50 kbit/s up
  var QUALITIES = [0.72, 0.62, 0.52];   // Hindi print stays legible (and OCR reads it) at all

  function kb(n) { return Math.max(1, Math.round(n / 1024)) + " KB"; }
  function fill(msg, sent, total) {
    return (msg || "").replace("{sent}", kb(sent)).replace("{total}", kb(total));
  }

  function encode(canvas, i) {
    return new Promise(function (ok) { canvas.toBlob(ok, "image/jpeg", QUALITIES[i]); })
      .then(function (blob) {
        if (blob && blob.size > TARGET && i + 1 < QUALITIES.length) return encode(canvas, i + 1);
        return blob;
      });
  }

  function shrink(file) {
    if (!/^image\/(jpeg|png)$/.test(file.type) || !window.createImageBitmap) {
      return Promise.resolve(file);
    }
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bmp) {
      var scale = Math.min(1, LONG_SIDE / Math.max(bmp.width, bmp.height));
      var w = Math.round(bmp.width * scale), h = Math.round(bmp.height * scale);
      var canvas = document.createElement("canvas");
      canvas.width = w;
      canvas.height = h;
      var ctx = canvas.getContext("2d");
      ctx.fillStyle = "#fff";             // a PNG's transparency becomes paper, not black
      ctx.fillRect(0, 0, w, h);
      ctx.drawImage(bmp, 0, 0, w, h);
      if (bmp.close) bmp.close();
      return encode(canvas, 0).then(function (blob) {
        if (!blob || blob.size >= file.size) return file;  // already small: send it as it is
        var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
        return new File([blob], name, { type: "image/jpeg" });
      });
    }).catch(function () { return file; });  // undecodable here: the server judges it
  }

  function parts(form) {
    var el = form.querySelector(".upload-status");
    if (!el) {
      el = document.createElement("p");
      el.className = "upload-status";
      el.setAttribute("role", "status");
      el.setAttribute("aria-live", "polite");
      var bar = document.createElement("progress");
      bar.max = 100;
      bar.value = 0;
      bar.hidden = true;
      var text = document.createElement("span");
      el.appendChild(bar);
      el.appendChild(text);
      var button = form.querySelector("[type=submit]");
      (button ? button.parentNode : form).insertBefore(el, button);
    }
    return { bar: el.querySelector("progress"), text: el.querySelector("span") };
  }

  function swapMain(html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var fresh = doc.querySelector("main"), here = document.querySelector("main");
    if (!fresh || !here) return false;
    here.replaceWith(fresh);
    if (doc.title) document.title = doc.title;
    if (window.htmx) window.htmx.process(fresh);
    var focus = fresh.querySelector(".error, .flashes");
    if (focus) { focus.setAttribute("tabindex", "-1"); focus.focus(); }
    return true;
  }

  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.hasAttribute || !form.hasAttribute("data-upload")) return;
    if (!window.FormData || !window.XMLHttpRequest || !window.Promise) return;
    e.preventDefault();
    if (form.getAttribute("data-busy")) return;  // a second click while the first is going
    form.setAttribute("data-busy", "1");
    var ui = parts(form);
    var buttons = form.querySelectorAll("button, [type=submit]");
    function busy(on) {
      Array.prototype.forEach.call(buttons, function (b) { b.disabled = on; });
      if (!on) form.removeAttribute("data-busy");
    }
    busy(true);
    var data = new FormData(form);
    if (e.submitter && e.submitter.name) data.append(e.submitter.name, e.submitter.value);
    var inputs = Array.prototype.filter.call(
      form.querySelectorAll("input[type=file]"), function (i) { return i.name && i.files.length; });
    if (inputs.length) ui.text.textContent = form.getAttribute("data-msg-preparing") || "";
    Promise.all(inputs.map(function (input) {
      return Promise.all(Array.prototype.map.call(input.files, shrink)).then(function (files) {
        data.delete(input.name);
        files.forEach(function (f) { data.append(input.name, f, f.name); });
      });
    })).then(function () {
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.getAttribute("action") || location.href);
      xhr.setRequestHeader("X-Upload", "1");
      function failed() {
        busy(false);
        ui.bar.hidden = true;
        ui.text.textContent = form.getAttribute("data-msg-failed") || "";
      }
      xhr.upload.onprogress = function (ev) {
        if (!ev.lengthComputable) return;
        ui.bar.hidden = false;
        ui.bar.value = Math.round((ev.loaded / ev.total) * 100);
        ui.text.textContent = fill(form.getAttribute("data-msg-sending"), ev.loaded, ev.total);
      };
      xhr.onload = function () {
        var to = xhr.getResponseHeader("HX-Redirect");
        if (to) { location.assign(to); return; }
        if (xhr.status >= 500 || !swapMain(xhr.responseText)) failed();
      };
      xhr.onerror = xhr.onabort = xhr.ontimeout = failed;
      xhr.send(data);
    });
  });
})();
