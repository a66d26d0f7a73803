// Live decoding of the codice fiscale on the enrolment and identity
// forms: as the doctor types, the code and the names are posted to
// /patients/decode (same origin, with the form's CSRF token; never in a
// URL) and what the code says is shown before saving, or why it is wrong.
"use strict";

function initDecode() {
  const box = document.getElementById("cf-decoded");
  const code = document.getElementById("codice_fiscale");
  if (!box || !code) return;
  const form = code.form;
  const inputs = ["codice_fiscale", "last_name", "first_name", "birth_year"].map((n) => document.getElementById(n)).filter(Boolean);
  let timer = null;
  let seq = 0;
  const setError = (name, msg) => {
    const p = form.querySelector('[data-error-for="' + name + '"]');
    const input = document.getElementById(name);
    if (p) p.textContent = msg || "";
    if (input) {
      if (msg) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    }
  };
  const show = (d) => {
    for (const dd of box.querySelectorAll("[data-decoded]")) dd.textContent = d[dd.dataset.decoded] || "—";
    box.classList.toggle("valid", d.valid);
    box.classList.toggle("invalid", !d.valid);
    for (const n of ["codice_fiscale", "last_name", "first_name", "birth_year"]) setError(n, (d.errors || {})[n]);
  };
  const decode = async () => {
    if (code.value.trim().length < 16) {
      show({ valid: false, errors: {} });
      box.classList.remove("invalid");
      return;
    }
    const body = new URLSearchParams();
    body.set("csrf", form.elements.csrf.value);
    for (const el of inputs) body.set(el.name, el.value);
    const mine = ++seq;
    const res = await fetch(box.dataset.url, { method: "POST", body, credentials: "same-origin", headers: { Accept: "application/json" } });
    if (!res.ok || mine !== seq) return;
    show(await res.json());
  };
  for (const el of inputs) {
    el.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(decode, 250);
    });
  }
  if (code.value) decode();
  form.addEventListener("restored", decode);
}

document.addEventListener("DOMContentLoaded", initDecode);
