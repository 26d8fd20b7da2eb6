// Upload progress for htmx forms: <progress id="upload-progress"> inside the form.
document.addEventListener("htmx:xhr:progress", function (e) {
  var p = document.getElementById("upload-progress");
  if (p && e.detail.lengthComputable) {
    p.hidden = false;
    p.value = Math.round((e.detail.loaded / e.detail.total) * 100);
  }
});
