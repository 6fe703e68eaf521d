// Charting: the body map as toggle buttons, technique rows, and autosave of a draft note.
// The note page works without this file (a plain form); this only makes it quicker.
"use strict";

(() => {
  const PAIRED = new Set(["left", "right"]);

  // --- Body map ----------------------------------------------------------------
  // Each drawn region is a link to its row in the restrictions list. Here it becomes a
  // toggle button: a tap, click, Enter or Space marks or clears the region (for a paired
  // bone, the side tapped), and the row below shows the mark's side, severity and note.
  function setupBodyMap(figure) {
    const form = figure.closest("form");
    if (!form) return;
    const list = form.querySelector("[data-restrictions]");
    const rowOf = (code) => form.querySelector(`#bm-row-${code}`);
    const field = (code, part) => form.querySelector(`[name="r-${code}-${part}"]`);

    function state(code) {
      const on = field(code, "on");
      const side = field(code, "side");
      const severity = form.querySelector(`[name="r-${code}-severity"]:checked`);
      return {
        on: Boolean(on && on.checked),
        side: side ? side.value : "",
        severity: severity ? Number(severity.value) : 1,
      };
    }

    function paint(code) {
      const now = state(code);
      for (const el of form.querySelectorAll(`[data-region="${code}"]`)) {
        const side = el.dataset.side || "";
        const lit = now.on && (!side || !PAIRED.has(now.side) || now.side === side);
        el.classList.toggle("marked", lit);
        for (const n of [1, 2, 3]) el.classList.toggle(`sev-${n}`, lit && now.severity === n);
        el.setAttribute("aria-pressed", lit ? "true" : "false");
      }
      const row = rowOf(code);
      if (row) {
        row.classList.toggle("is-marked", now.on);
        if (list && list.classList.contains("js-compact")) row.hidden = !now.on;
      }
      const count = form.querySelector("[data-marked-count]");
      if (count) {
        const n = form.querySelectorAll('[data-restrictions] input[name$="-on"]:checked').length;
        count.textContent = n === 0 ? "No restrictions marked" : `${n} marked`;
      }
    }

    function toggle(el) {
      const code = el.dataset.region;
      const on = field(code, "on");
      if (!on) return;
      const side = field(code, "side");
      const tapped = el.dataset.side || "";
      if (!tapped || !side) {
        on.checked = !on.checked;
      } else if (!on.checked) {
        on.checked = true;
        side.value = tapped;
      } else if (side.value === tapped) {
        on.checked = false;
      } else if (side.value === "bilateral") {
        side.value = tapped === "left" ? "right" : "left";
      } else {
        side.value = "bilateral";
      }
      if (on.checked && !form.querySelector(`[name="r-${code}-severity"]:checked`)) {
        const first = form.querySelector(`[name="r-${code}-severity"][value="1"]`);
        if (first) first.checked = true;
      }
      paint(code);
      form.dispatchEvent(new Event("change", { bubbles: true }));
      const announce = form.querySelector("[data-map-status]");
      if (announce) {
        const s = state(code);
        announce.textContent = `${el.getAttribute("aria-label")}: ${s.on ? "marked" : "cleared"}`;
      }
    }

    const controls = [...figure.querySelectorAll("a.region[data-region]"),
      ...form.querySelectorAll(".region-chip[data-region]")];
    for (const el of controls) {
      el.setAttribute("role", "button");
      el.addEventListener("click", (event) => {
        event.preventDefault();
        toggle(el);
      });
      el.addEventListener("keydown", (event) => {
        if (event.key === " " || event.key === "Spacebar") {
          event.preventDefault();
          toggle(el);
        }
      });
    }
    if (list) {
      list.classList.add("js-compact");
      const all = form.querySelector("[data-show-all-regions]");
      if (all) {
        all.hidden = false;
        all.addEventListener("click", () => {
          const compact = list.classList.toggle("js-compact");
          all.textContent = compact ? "Show every region as a list" : "Show marked regions only";
          all.setAttribute("aria-expanded", compact ? "false" : "true");
          for (const row of list.querySelectorAll("[data-region-row]")) {
            row.hidden = compact && !row.classList.contains("is-marked");
          }
        });
      }
      list.addEventListener("change", (event) => {
        const row = event.target.closest("[data-region-row]");
        if (row) paint(row.dataset.regionRow);
      });
    }
    const codes = new Set(controls.map((el) => el.dataset.region));
    for (const code of codes) paint(code);
  }

  // --- Techniques: fill rows from a template, move rows up and down ------------
  function setupTechniques(box) {
    const rows = () => [...box.querySelectorAll("[data-technique-row]")];
    const renumber = () => {
      rows().forEach((row, i) => {
        const pos = row.querySelector('input[name$="-position"]');
        if (pos) pos.value = String(i + 1);
        const num = row.querySelector("[data-technique-number]");
        if (num) num.textContent = String(i + 1);
        for (const b of row.querySelectorAll("[aria-label]")) {
          b.setAttribute("aria-label", b.getAttribute("aria-label").replace(/\d+/, String(i + 1)));
        }
      });
    };
    const isEmpty = (row) => [...row.querySelectorAll("input:not([name$='-position'])")]
      .every((input) => !input.value.trim());
    // A blank row for one more technique: a copy of the last row under the next free number
    // (the server accepts as many rows as are posted).
    function newRow() {
      const last = rows().at(-1);
      const index = Math.max(...rows().map((r) => Number(
        r.querySelector('input[name$="-name"]').name.match(/^t-(\d+)-/)[1]))) + 1;
      const row = last.cloneNode(true);
      for (const el of row.querySelectorAll("[name], [id], [for]")) {
        for (const attr of ["name", "id", "for"]) {
          const value = el.getAttribute(attr);
          if (value) el.setAttribute(attr, value.replace(/t-\d+-/, `t-${index}-`));
        }
      }
      for (const input of row.querySelectorAll("input")) input.value = "";
      for (const error of row.querySelectorAll(".error")) error.remove();
      last.after(row);
      return row;
    }
    // "Tap to add": the technique goes into the first blank row (a new row if none is left);
    // without JavaScript the same button saves the draft with the technique added.
    function add(name) {
      const row = rows().find(isEmpty) || newRow();
      row.querySelector('input[name$="-name"]').value = name;
      renumber();
      const status = box.querySelector("[data-technique-status]");
      if (status) status.textContent = `${name} added as technique ${rows().indexOf(row) + 1}`;
      box.closest("form").dispatchEvent(new Event("change", { bubbles: true }));
    }
    box.addEventListener("click", (event) => {
      const chip = event.target.closest("[data-add-technique]");
      if (chip) {
        event.preventDefault();
        add(chip.value);
        return;
      }
      const remove = event.target.closest("[data-remove]");
      if (remove) {
        // One tap takes a step out of the note: the row is emptied (an empty row is not
        // recorded) and goes to the end as a blank row; focus goes to what took its place.
        const row = remove.closest("[data-technique-row]");
        const next = row.nextElementSibling;
        for (const input of row.querySelectorAll("input:not([name$='-position']), textarea")) {
          input.value = "";
        }
        rows().at(-1).after(row);
        renumber();
        const focus = next && next !== row && next.matches("[data-technique-row]")
          ? next.querySelector('input[name$="-name"]')
          : box.querySelector("#technique-template");
        if (focus) focus.focus();
        box.closest("form").dispatchEvent(new Event("change", { bubbles: true }));
        return;
      }
      const button = event.target.closest("[data-move]");
      if (!button) return;
      const row = button.closest("[data-technique-row]");
      const sibling = button.dataset.move === "up" ? row.previousElementSibling : row.nextElementSibling;
      if (!sibling || !sibling.matches("[data-technique-row]")) return;
      if (button.dataset.move === "up") sibling.before(row); else sibling.after(row);
      renumber();
      button.focus();
      box.closest("form").dispatchEvent(new Event("change", { bubbles: true }));
    });
    for (const el of box.querySelectorAll("[data-move], [data-remove]")) el.hidden = false;
    for (const el of box.querySelectorAll(".field.position")) el.hidden = true;
  }

  // --- Autosave ----------------------------------------------------------------
  // The draft is posted to the autosave address a couple of seconds after a change,
  // every 15 seconds while there are unsaved changes, and when the tablet hides the page
  // (sleep, app switch). The server keeps it as the draft note, so a reload shows it.
  function setupAutosave(form) {
    const url = form.dataset.autosave;
    const status = document.querySelector("[data-autosave-status]");
    const csrf = form.querySelector('input[name="csrfmiddlewaretoken"]');
    let dirty = false;
    let timer = null;
    let inflight = false;

    const say = (text, kind) => {
      if (!status) return;
      status.textContent = text;
      status.dataset.state = kind;
    };

    function clearErrors() {
      for (const el of form.querySelectorAll(".autosave-error")) el.remove();
    }

    function showErrors(fields) {
      clearErrors();
      for (const [name, messages] of Object.entries(fields || {})) {
        const input = form.querySelector(`[name="${name}"]`);
        if (!input) continue;
        const p = document.createElement("p");
        p.className = "error autosave-error";
        p.textContent = [].concat(messages).join(" ");
        const holder = input.closest(".field, td, .choices-field") || input.parentElement;
        holder.append(p);
      }
    }

    async function save(keepalive = false) {
      if (!dirty || inflight) return;
      inflight = true;
      dirty = false;
      say("Saving…", "saving");
      try {
        const response = await fetch(url, {
          method: "POST",
          body: new FormData(form),
          headers: { "X-CSRFToken": csrf ? csrf.value : "", Accept: "application/json" },
          credentials: "same-origin",
          keepalive,
        });
        const body = await response.json().catch(() => ({}));
        if (response.ok) {
          clearErrors();
          say(`Draft saved ${body.saved_at || ""}`.trim(), "saved");
        } else if (response.status === 422) {
          showErrors(body.fields);
          say("Not saved: check the fields marked in red.", "error");
        } else {
          dirty = true;
          say(body.message || "Not saved yet; will try again.", "error");
        }
      } catch (err) {
        dirty = true;
        say("Not saved yet (no connection); will try again.", "error");
      } finally {
        inflight = false;
      }
    }

    const changed = () => {
      dirty = true;
      say("Unsaved changes", "dirty");
      clearTimeout(timer);
      timer = setTimeout(() => save(), 2000);
    };
    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    setInterval(() => save(), 15000);
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "hidden") save(true);
    });
    form.addEventListener("submit", () => {
      dirty = false;
      clearTimeout(timer);
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    for (const figure of document.querySelectorAll("[data-bodymap]")) setupBodyMap(figure);
    for (const box of document.querySelectorAll("[data-techniques]")) setupTechniques(box);
    for (const form of document.querySelectorAll("form[data-autosave]")) setupAutosave(form);
  });
})();
