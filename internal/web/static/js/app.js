// Serenade's web UI: a little plain JavaScript, loaded from this origin
// only (the CSP forbids inline script). It never holds anything the
// server needs: without it every page still works.
"use strict";

// The navigation's toggle on narrow screens.
function initNav() {
  const button = document.querySelector(".navtoggle");
  const nav = document.getElementById("nav");
  if (!button || !nav) return;
  button.addEventListener("click", () => {
    const open = nav.classList.toggle("open");
    button.setAttribute("aria-expanded", String(open));
  });
}

// Forms marked data-keep="<key>" keep what is typed in this tab's
// sessionStorage until the server confirms the save (a page with
// <body data-saved="<key>">). If the session expires mid-form, the user
// logs in again, comes back to the form and finds the input restored.
// Passwords and the CSRF token are never kept.
function initKeep() {
  const saved = document.body.dataset.saved;
  if (saved) sessionStorage.removeItem("keep:" + saved);
  for (const form of document.querySelectorAll("form[data-keep]")) {
    const key = "keep:" + form.dataset.keep;
    const fields = () => Array.from(form.elements).filter((el) =>
      el.name && el.name !== "csrf" && el.type !== "password" && el.type !== "hidden" && el.type !== "submit");
    const stored = sessionStorage.getItem(key);
    if (stored && form.dataset.fresh !== undefined) {
      const values = JSON.parse(stored);
      for (const el of fields()) {
        if (!(el.name in values)) continue;
        if (el.type === "checkbox" || el.type === "radio") el.checked = values[el.name].includes(el.value);
        else if (!el.value) el.value = values[el.name][0] || "";
      }
      form.dispatchEvent(new Event("restored"));
    }
    const save = () => {
      const values = {};
      for (const el of fields()) {
        if ((el.type === "checkbox" || el.type === "radio") && !el.checked) continue;
        (values[el.name] = values[el.name] || []).push(el.value);
      }
      sessionStorage.setItem(key, JSON.stringify(values));
    };
    form.addEventListener("input", save);
    form.addEventListener("submit", save);
  }
}

// Buttons with data-confirm-input="<id>" stay disabled until the input
// of that id holds exactly its data-confirm-word (typed confirmations).
function initConfirm() {
  for (const button of document.querySelectorAll("[data-confirm-input]")) {
    const input = document.getElementById(button.dataset.confirmInput);
    if (!input) continue;
    const check = () => { button.disabled = input.value.trim().toLowerCase() !== input.dataset.confirmWord.trim().toLowerCase(); };
    input.addEventListener("input", check);
    check();
  }
}

// Forms with data-confirm="<question>" ask before they are sent (deleting
// a contact, closing a ticket).
function initAsk() {
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (e) => {
      if (!window.confirm(form.dataset.confirm)) e.preventDefault();
    });
  }
}

document.addEventListener("DOMContentLoaded", () => {
  initNav();
  initKeep();
  initConfirm();
  initAsk();
});
