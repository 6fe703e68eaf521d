// Signature pad: strokes drawn on the canvas become SVG path data ("M x y L x y …")
// in the hidden field named by data-target. Optional: the typed name is the signature.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  for (const pad of document.querySelectorAll("[data-signature-pad]")) {
    const canvas = pad.querySelector("canvas");
    const field = document.getElementById(pad.dataset.target);
    const clear = pad.querySelector("[data-signature-clear]");
    if (!canvas || !field) continue;
    const ctx = canvas.getContext("2d");
    ctx.lineWidth = 2.5;
    ctx.lineCap = "round";
    ctx.strokeStyle = "#1d2327";
    let drawing = false;
    const parts = field.value ? [field.value] : [];
    const point = (event) => {
      const box = canvas.getBoundingClientRect();
      const x = ((event.clientX - box.left) * canvas.width) / box.width;
      const y = ((event.clientY - box.top) * canvas.height) / box.height;
      return [Math.max(0, Math.min(canvas.width, x)).toFixed(1), Math.max(0, Math.min(canvas.height, y)).toFixed(1)];
    };
    canvas.addEventListener("pointerdown", (event) => {
      drawing = true;
      canvas.setPointerCapture(event.pointerId);
      const [x, y] = point(event);
      last = [x, y];
      ctx.beginPath();
      ctx.moveTo(x, y);
      parts.push(`M${x} ${y}`);
      event.preventDefault();
    });
    let last = [0, 0];
    canvas.addEventListener("pointermove", (event) => {
      if (!drawing) return;
      const [x, y] = point(event);
      // Skip points closer than 2 units and stop at the field's limit: the path stays small.
      if (Math.abs(x - last[0]) + Math.abs(y - last[1]) < 2 || field.value.length > 19000) return;
      last = [x, y];
      ctx.lineTo(x, y);
      ctx.stroke();
      parts.push(`L${x} ${y}`);
      field.value = parts.join(" ");
    });
    const stop = () => { drawing = false; };
    canvas.addEventListener("pointerup", stop);
    canvas.addEventListener("pointercancel", stop);
    if (clear) {
      clear.addEventListener("click", () => {
        ctx.clearRect(0, 0, canvas.width, canvas.height);
        parts.length = 0;
        field.value = "";
      });
    }
  }
});
