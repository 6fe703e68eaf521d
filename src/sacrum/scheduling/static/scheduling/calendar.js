// The calendar grid is one tab stop: Tab enters it at one time, the arrow keys move
// between times (up/down within a column, left/right to the nearest time in the next
// column), Home/End go to the first/last, Enter opens. Without this file every time is
// its own tab stop and the page works the same.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const grid = document.querySelector(".cal-grid");
  if (!grid) return;
  // Today opens at the present: the now-line a little below the top, the hour before it
  // in view (unless the page was asked for another place, e.g. after a booking's link).
  const now = grid.querySelector(".cal-now");
  const box = grid.closest(".cal-scroll");
  if (now && box && !window.location.hash) {
    const offset = now.getBoundingClientRect().top - box.getBoundingClientRect().top;
    box.scrollTop = Math.max(0, box.scrollTop + offset - box.clientHeight / 3);
    box.scrollIntoView({ block: "nearest" });
  }
  const place = (el, kind) => Number((el.className.match(new RegExp(`\\b${kind}-(\\d+)\\b`)) || [0, 0])[1]);
  const cells = [...grid.querySelectorAll("a.cal-free, a.appt")]
    .map((el) => ({ el, col: place(el, "gc"), row: place(el, "gr") }))
    .sort((a, b) => a.col - b.col || a.row - b.row);
  if (!cells.length) return;
  let current = cells[0];
  const show = (cell, focus) => {
    current.el.tabIndex = -1;
    current = cell;
    current.el.tabIndex = 0;
    if (focus) current.el.focus();
  };
  for (const cell of cells) cell.el.tabIndex = -1;
  current.el.tabIndex = 0;
  const nearestIn = (col, row) => {
    const inCol = cells.filter((c) => c.col === col);
    if (!inCol.length) return null;
    return inCol.reduce((best, c) => (Math.abs(c.row - row) < Math.abs(best.row - row) ? c : best));
  };
  const columns = [...new Set(cells.map((c) => c.col))];
  grid.addEventListener("focusin", (event) => {
    const cell = cells.find((c) => c.el === event.target);
    if (cell) show(cell, false);
  });
  grid.addEventListener("keydown", (event) => {
    const index = cells.indexOf(current);
    const sameCol = cells.filter((c) => c.col === current.col);
    const at = sameCol.indexOf(current);
    let next = null;
    if (event.key === "ArrowDown") next = sameCol[at + 1];
    else if (event.key === "ArrowUp") next = sameCol[at - 1];
    else if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
      const step = event.key === "ArrowRight" ? 1 : -1;
      const col = columns[columns.indexOf(current.col) + step];
      if (col !== undefined) next = nearestIn(col, current.row);
    } else if (event.key === "Home") next = cells[0];
    else if (event.key === "End") next = cells[cells.length - 1];
    else return;
    event.preventDefault();
    if (next && index !== -1) show(next, true);
  });
});

// On a pointer device, an appointment card can be dragged onto a free time: the drop opens
// the appointment's "Move this appointment?" step (from → to), and nothing moves until it
// is confirmed there. Touch screens and keyboards use the appointment page's free times.
document.addEventListener("DOMContentLoaded", () => {
  const grid = document.querySelector(".cal-grid");
  if (!grid || !window.matchMedia("(pointer: fine)").matches) return;
  let dragged = null;
  for (const card of grid.querySelectorAll("a.appt[data-movable]")) {
    card.draggable = true;
    card.addEventListener("dragstart", (event) => {
      dragged = card;
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", card.pathname);
      card.classList.add("is-dragged");
    });
    card.addEventListener("dragend", () => {
      card.classList.remove("is-dragged");
      dragged = null;
    });
  }
  const target = (event) => event.target.closest && event.target.closest("a.cal-free[data-move-to]");
  grid.addEventListener("dragover", (event) => {
    const free = target(event);
    if (!dragged || !free) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    free.classList.add("is-drop");
  });
  grid.addEventListener("dragleave", (event) => {
    const free = target(event);
    if (free) free.classList.remove("is-drop");
  });
  grid.addEventListener("drop", (event) => {
    const free = target(event);
    if (!dragged || !free) return;
    event.preventDefault();
    window.location.assign(`${dragged.pathname}?${free.dataset.moveTo}#move-confirm`);
  });
});
