/* Sign page: draw a signature on the canvas; on submit the drawing goes into the hidden
   signature_data field as a PNG data URL. Without this script the canvas stays hidden and
   the typed name signs the letter. */
(function () {
  "use strict";
  var pad = document.getElementById("signature-pad");
  var canvas = document.getElementById("signature-canvas");
  var field = document.getElementById("signature_data");
  var form = document.getElementById("sign-form");
  var clear = document.getElementById("signature-clear");
  if (!pad || !canvas || !field || !form || !canvas.getContext) { return; }

  var ctx = canvas.getContext("2d");
  var drawing = false;
  var drawn = false;
  var last = null;
  pad.hidden = false;
  field.value = "";

  function pen() {
    ctx.lineWidth = 3;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = "#10151c";
    ctx.fillStyle = "#10151c";
  }

  function point(event) {
    var box = canvas.getBoundingClientRect();
    return {
      x: (event.clientX - box.left) * canvas.width / box.width,
      y: (event.clientY - box.top) * canvas.height / box.height
    };
  }

  canvas.addEventListener("pointerdown", function (event) {
    drawing = true;
    last = point(event);
    pen();
    ctx.beginPath();
    ctx.arc(last.x, last.y, 1.5, 0, Math.PI * 2);
    ctx.fill();
    drawn = true;
    if (canvas.setPointerCapture) { canvas.setPointerCapture(event.pointerId); }
    event.preventDefault();
  });

  canvas.addEventListener("pointermove", function (event) {
    if (!drawing) { return; }
    var next = point(event);
    ctx.beginPath();
    ctx.moveTo(last.x, last.y);
    ctx.lineTo(next.x, next.y);
    ctx.stroke();
    last = next;
    event.preventDefault();
  });

  function stop() { drawing = false; }
  canvas.addEventListener("pointerup", stop);
  canvas.addEventListener("pointercancel", stop);
  canvas.addEventListener("pointerleave", stop);

  if (clear) {
    clear.addEventListener("click", function () {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      drawn = false;
      field.value = "";
    });
  }

  form.addEventListener("submit", function () {
    field.value = drawn ? canvas.toDataURL("image/png") : "";
  });
}());
