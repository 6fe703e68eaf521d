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
});

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
