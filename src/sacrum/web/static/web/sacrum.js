// Small progressive enhancements; every page works without this file.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // Selects marked data-autosubmit submit their form on change (clinic switcher).
  for (const select of document.querySelectorAll("select[data-autosubmit]")) {
    select.addEventListener("change", () => select.form.submit());
  }
  for (const el of document.querySelectorAll(".js-hide")) el.hidden = true;
  // Buttons marked data-confirm ask before submitting a destructive form.
  for (const button of document.querySelectorAll("[data-confirm]")) {
    button.addEventListener("click", (event) => {
      if (!window.confirm(button.dataset.confirm)) event.preventDefault();
    });
  }
  // Copy buttons copy the text of the element they point at. The text is also selected,
  // so Ctrl+C works where the clipboard API is not offered (plain http on a LAN).
  for (const button of document.querySelectorAll("[data-copy]")) {
    button.addEventListener("click", () => {
      const target = document.getElementById(button.dataset.copy);
      if (!target) return;
      const range = document.createRange();
      range.selectNodeContents(target);
      window.getSelection().removeAllRanges();
      window.getSelection().addRange(range);
      if (navigator.clipboard) {
        navigator.clipboard.writeText(target.textContent.trim()).then(() => {
          button.textContent = "Copied";
        });
      }
    });
  }
  // A focused field never hides under a sticky bar (the note editor's section links on
  // top, its Save/Sign bar at the bottom, the portal's menu): when whatever is drawn at the
  // field's centre is not the field, the page scrolls just enough to bring it clear.
  document.addEventListener("focusin", (event) => uncover(event.target));
  // A table wider than the screen scrolls sideways in its wrapper: the wrapper takes focus
  // then, so a keyboard can scroll it too (arrow keys), and is named after its table.
  const scrollable = () => {
    for (const wrap of document.querySelectorAll(".table-wrap")) {
      if (wrap.scrollWidth > wrap.clientWidth + 1) {
        const table = wrap.querySelector("table");
        const caption = table && table.caption ? table.caption.textContent.trim() : "";
        wrap.dataset.label = wrap.dataset.label || caption || "Table";
        wrap.tabIndex = 0;
        wrap.setAttribute("role", "region");
        wrap.setAttribute("aria-label", `${wrap.dataset.label}, scrolls sideways`);
      } else if (wrap.getAttribute("role") === "region") {
        wrap.removeAttribute("tabindex");
        wrap.removeAttribute("role");
        wrap.removeAttribute("aria-label");
      }
    }
  };
  scrollable();
  window.addEventListener("resize", scrollable);
  showFirstError();
  for (const select of document.querySelectorAll("select[data-typeahead]")) typeaheadSelect(select);
  for (const input of document.querySelectorAll("input[data-suggest]")) suggestingSearch(input);
});

// A combobox (the ARIA 1.2 pattern): a text box, a list that follows the typing, arrow
// keys to move, Enter to take, Escape to close. ``find(text)`` gives [{label, detail}];
// ``take(item)`` acts on the chosen one.
function combobox(input, find, take) {
  const list = document.createElement("ul");
  list.id = `${input.id}-options`;
  list.className = "combo-options";
  list.setAttribute("role", "listbox");
  list.hidden = true;
  input.after(list);
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", list.id);
  input.autocomplete = "off";
  let items = [];
  let active = -1;
  const close = () => {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  };
  const mark = (index) => {
    active = index;
    list.querySelectorAll("li").forEach((li, i) => li.setAttribute("aria-selected", String(i === index)));
    if (index >= 0) input.setAttribute("aria-activedescendant", `${list.id}-${index}`);
  };
  const show = (found) => {
    items = found;
    list.replaceChildren();
    found.forEach((item, i) => {
      const li = document.createElement("li");
      li.id = `${list.id}-${i}`;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.textContent = item.label;
      if (item.detail) {
        const small = document.createElement("span");
        small.className = "combo-detail";
        small.textContent = ` ${item.detail}`;
        li.append(small);
      }
      // mousedown, not click: it comes before the text box loses the focus.
      li.addEventListener("mousedown", (event) => {
        event.preventDefault();
        close();
        take(item);
      });
      list.append(li);
    });
    if (!found.length) {
      const li = document.createElement("li");
      li.className = "combo-empty";
      li.textContent = "No client matches.";
      list.append(li);
    }
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    mark(found.length ? 0 : -1);
  };
  let asked = 0;
  input.addEventListener("input", async () => {
    const text = input.value.trim();
    const ticket = ++asked;
    if (text.length < 2) return close();
    const found = await find(text);
    if (ticket === asked) show(found);
  });
  input.addEventListener("keydown", (event) => {
    if (list.hidden) return;
    if (event.key === "ArrowDown" && items.length) {
      event.preventDefault();
      mark((active + 1) % items.length);
    } else if (event.key === "ArrowUp" && items.length) {
      event.preventDefault();
      mark((active - 1 + items.length) % items.length);
    } else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      const item = items[active];
      close();
      take(item);
    } else if (event.key === "Escape") {
      event.preventDefault(); // a search box would also clear what was typed
      close();
    }
  });
  input.addEventListener("blur", close);
}

// Word by word, ignoring case and accents: "ann sm" finds "Anne Smith".
function matches(text, words) {
  const plain = text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  return words.every((word) => plain.includes(word));
}

// A long drop-down of clients becomes a search box over its own options; the drop-down
// stays in the form (hidden) and carries the choice, so the page works without script.
function typeaheadSelect(select) {
  const input = document.createElement("input");
  input.type = "text";
  input.id = `${select.id}-search`;
  input.className = "combo-input";
  input.placeholder = select.dataset.typeahead;
  for (const name of ["aria-describedby", "aria-invalid"]) {
    if (select.hasAttribute(name)) input.setAttribute(name, select.getAttribute(name));
  }
  const chosen = select.selectedOptions[0];
  if (chosen && chosen.value) input.value = chosen.textContent.trim();
  select.before(input);
  select.hidden = true;
  const label = document.querySelector(`label[for="${select.id}"]`);
  if (label) label.htmlFor = input.id;
  const options = [...select.options].filter((o) => o.value);
  combobox(
    input,
    (text) => {
      const words = text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().split(/\s+/);
      return options
        .filter((o) => matches(o.textContent, words))
        .slice(0, 8)
        .map((o) => ({ label: o.textContent.trim(), value: o.value }));
    },
    (item) => {
      input.value = item.label;
      select.value = item.value;
      select.dispatchEvent(new Event("change", { bubbles: true }));
    },
  );
  // Typing a new name after a choice undoes the choice: what is sent is what is seen.
  input.addEventListener("input", () => {
    const picked = select.selectedOptions[0];
    if (picked && picked.value && picked.textContent.trim() !== input.value.trim()) select.value = "";
  });
}

// The top bar's client search: suggestions from the server as the name is typed; Enter
// with no suggestion chosen searches the client list.
function suggestingSearch(input) {
  combobox(
    input,
    async (text) => {
      // POST: what is typed (part of a name) stays out of addresses and their logs.
      const answer = await fetch(input.dataset.suggest, {
        method: "POST",
        headers: { Accept: "application/json", "X-CSRFToken": input.dataset.csrf },
        body: new URLSearchParams({ q: text }),
        credentials: "same-origin",
      });
      if (!answer.ok) return [];
      const body = await answer.json();
      return body.clients.map((c) => ({ label: c.name, detail: c.detail, href: c.url }));
    },
    (item) => {
      window.location.assign(item.href);
    },
  );
}

// After a submit that failed, the page comes back with its errors wherever the form is,
// often far below the fold. The first one is brought into view and focused: a field
// with an error takes the focus itself (a screen reader reads its label and error), a
// message about the whole form is focused as a block. A page without errors is untouched.
function showFirstError() {
  const first = document.querySelector(
    "form .has-error, main .form-errors",
  );
  if (!first) return;
  let target = first;
  if (first.classList.contains("has-error")) {
    target = first.querySelector("input:not([type=hidden]), select, textarea") || first;
  }
  if (target === first && !first.matches("input, select, textarea, button, a[href]")) {
    first.tabIndex = -1;
  }
  target.focus({ preventScroll: true });
  first.scrollIntoView({ block: "center" });
}

function uncover(field) {
  if (!(field instanceof Element) || field === document.body) return;
  // Keyboard focus only: a tap or click already lands on what the person can see, and
  // scrolling under their finger would move the page between press and release.
  if (!field.matches(":focus-visible")) return;
  // A visually hidden control (a pain-score radio) is shown by its label.
  let box = field;
  while (box.parentElement && box.getBoundingClientRect().width < 4) box = box.parentElement;
  const rect = box.getBoundingClientRect();
  if (!rect.width || !rect.height) return;
  const x = Math.min(Math.max(rect.left + rect.width / 2, 0), window.innerWidth - 1);
  const y = rect.top + rect.height / 2;
  const onTop = y >= 0 && y < window.innerHeight ? document.elementFromPoint(x, y) : null;
  if (onTop && (box.contains(onTop) || onTop.contains(box))) return;
  // Only a sticky or fixed bar that is not the field's own container hides it (body-map
  // regions overlap each other inside the sticky figure, and that is not hiding).
  let bar = onTop;
  while (bar && !["sticky", "fixed"].includes(getComputedStyle(bar).position)) bar = bar.parentElement;
  if (bar && bar.contains(box)) bar = null;
  const margin = 12;
  if (bar) {
    const edge = bar.getBoundingClientRect();
    if (edge.top > window.innerHeight / 2) window.scrollBy(0, rect.bottom - edge.top + margin);
    else window.scrollBy(0, rect.top - edge.bottom - margin);
  } else if (rect.bottom > window.innerHeight || rect.top < 0) {
    box.scrollIntoView({ block: "center" });
  }
}
