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
});
