// The field teams' pages: document upload with drag and drop and a
// progress bar, the copy button of a new ingest token, and confirmations
// of small deletions. Loaded from this origin only (CSP); without it the
// forms still work (a plain upload, no copy button, no confirmation
// beyond the button itself).
"use strict";

// Forms marked data-upload send their file with XMLHttpRequest, to show
// the upload's progress; the answer's page (after the server's redirect)
// replaces this one. A failure shows the form's error line.
function initUpload() {
  for (const form of document.querySelectorAll("form[data-upload]")) {
    const bar = form.querySelector("progress");
    const error = form.querySelector("[data-upload-error]");
    const input = form.querySelector("input[type=file]");
    const zone = form.querySelector("[data-dropzone]");
    if (zone && input) initDrop(zone, input);
    form.addEventListener("submit", (ev) => {
      if (!window.FormData || !input.files.length) return;
      ev.preventDefault();
      const xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      bar.hidden = false; error.hidden = true; bar.value = 0;
      xhr.upload.addEventListener("progress", (e) => {
        if (e.lengthComputable) bar.value = Math.round(100 * e.loaded / e.total);
      });
      xhr.addEventListener("load", () => {
        if (xhr.status < 400) { window.location.assign(xhr.responseURL); return; }
        document.open(); document.write(xhr.responseText); document.close();
      });
      xhr.addEventListener("error", () => { bar.hidden = true; error.hidden = false; });
      xhr.send(new FormData(form));
    });
  }
}

// A drop zone takes a file dropped on it into its file input.
function initDrop(zone, input) {
  const on = (names, fn) => names.forEach((n) => zone.addEventListener(n, fn));
  on(["dragenter", "dragover"], (e) => { e.preventDefault(); zone.classList.add("over"); });
  on(["dragleave", "drop"], () => zone.classList.remove("over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    if (e.dataTransfer && e.dataTransfer.files.length) input.files = e.dataTransfer.files;
  });
}

// Buttons marked data-copy="<id>" copy the text of that element and say
// so in the page's live region.
function initCopy() {
  for (const button of document.querySelectorAll("button[data-copy]")) {
    button.addEventListener("click", async () => {
      const text = document.getElementById(button.dataset.copy).textContent;
      const status = document.getElementById(button.dataset.copy + "-status");
      try {
        await navigator.clipboard.writeText(text);
        if (status) status.textContent = button.dataset.copied;
      } catch (e) {
        const range = document.createRange();
        range.selectNodeContents(document.getElementById(button.dataset.copy));
        window.getSelection().removeAllRanges();
        window.getSelection().addRange(range);
      }
    });
  }
}

// Forms and buttons marked data-confirm="<question>" ask first.
function initConfirmations() {
  for (const el of document.querySelectorAll("[data-confirm]")) {
    const ev = el.tagName === "FORM" ? "submit" : "click";
    el.addEventListener(ev, (e) => { if (!window.confirm(el.dataset.confirm)) e.preventDefault(); });
  }
}

document.addEventListener("DOMContentLoaded", () => {
  initUpload();
  initCopy();
  initConfirmations();
});
