// Answer sheets: show a conditional section only when its question allows, and show the
// urgent-care notice as soon as an urgent answer is chosen. Without JS every section
// shows and the notice appears after submitting.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form.sheet");
  if (!form) return;
  const value = (name) => {
    const checked = form.querySelector(`input[name="${name}"]:checked`);
    if (checked) return checked.value;
    const field = form.querySelector(`[name="${name}"]:not([type="radio"])`);
    return field ? field.value : "";
  };
  const refresh = () => {
    for (const section of form.querySelectorAll("[data-show-if]")) {
      const wanted = section.dataset.showIfAnswers.split(" ");
      section.hidden = !wanted.includes(value(section.dataset.showIf));
    }
    for (const question of form.querySelectorAll("[data-urgent-answers]")) {
      const name = question.id.replace(/^q-/, "");
      const notice = question.querySelector(".urgent-notice");
      if (notice) notice.hidden = !question.dataset.urgentAnswers.split(" ").includes(value(name));
    }
  };
  form.addEventListener("change", refresh);
  refresh();
});
