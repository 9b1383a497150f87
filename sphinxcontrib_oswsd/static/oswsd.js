/* sphinxcontrib-oswsd: the full view of a diagram (pan and zoom), the link
   between a diagram's steps and its steps list, and step anchors
   (#<figure-id>-step-N). Plain script, no framework; the page works without
   it (the frame scrolls, links and :target work). */
(() => {
  "use strict";

  const ZOOM_STEP = 1.25;
  const MIN_SCALE = 0.05;
  const MAX_SCALE = 6;

  const clamp = (value, low, high) => Math.min(high, Math.max(low, value));

  /* -- the scroll cue where CSS cannot drive it from the scroll position -- */

  /* The shadows keep clear of the frame's own scroll bars. */
  function watchEdges(frame) {
    const view = frame.parentElement;
    const byScroll = CSS.supports("animation-timeline: scroll()");
    const update = () => {
      view.style.setProperty("--oswsd-bar-x", `${frame.offsetWidth - frame.clientWidth}px`);
      view.style.setProperty("--oswsd-bar-y", `${frame.offsetHeight - frame.clientHeight}px`);
      if (byScroll) return;
      const end = frame.scrollWidth - frame.clientWidth;
      view.classList.toggle("oswsd-more-left", frame.scrollLeft > 1);
      view.classList.toggle("oswsd-more-right", frame.scrollLeft < end - 1);
    };
    if (!byScroll) frame.addEventListener("scroll", update, { passive: true });
    if (window.ResizeObserver) new ResizeObserver(update).observe(frame);
    update();
  }

  /* -- the participants' row stays in view over a tall diagram -- */

  const SVG_NS = "http://www.w3.org/2000/svg";
  const HEADS_PAD = 4;

  /* A copy of the row (a <use> of the drawing, cut to the row) laid over
     the original, sticking to the top of the frame. Its margins are in
     percent of the canvas width, so it stays on the original at any size. */
  function stickHeads(canvas) {
    const svg = canvas.querySelector(":scope > svg.oswsd");
    const drawing = svg && svg.querySelector(':scope > g[id$="-drawing"]');
    const band = ((svg && svg.getAttribute("data-heads")) || "").split(" ").map(Number);
    if (!drawing || band.length !== 2) return;
    const [width, height] = naturalSize(canvas);
    const top = Math.max(0, band[0] - HEADS_PAD);
    const bottom = Math.min(height, band[1] + HEADS_PAD);
    const percent = (value) => `${(100 * value) / width}%`;
    // Inert: the links of the copy are neither focused nor read out.
    const holder = document.createElement("div");
    holder.className = "oswsd-heads";
    holder.inert = true;
    holder.setAttribute("aria-hidden", "true");
    holder.style.marginTop = percent(top);
    holder.style.marginBottom = `-${percent(bottom)}`;
    const copy = document.createElementNS(SVG_NS, "svg");
    copy.setAttribute("viewBox", `0 ${top} ${width} ${bottom - top}`);
    const use = document.createElementNS(SVG_NS, "use");
    use.setAttribute("href", `#${drawing.id}`);
    copy.appendChild(use);
    holder.appendChild(copy);
    canvas.insertBefore(holder, svg);
  }

  /* -- the full view -- */

  let viewer = null;

  function buildViewer() {
    const dialog = document.createElement("dialog");
    dialog.className = "oswsd-full";
    dialog.innerHTML =
      '<div class="oswsd-full-tools" role="toolbar">' +
      '<span class="oswsd-full-title"></span>' +
      '<span class="oswsd-full-hint">drag to move · wheel, pinch or + − 0 to zoom · Esc to close</span>' +
      '<button type="button" data-zoom="out" title="Zoom out (−)" aria-label="Zoom out">−</button>' +
      '<button type="button" data-zoom="actual" title="Actual size (0)"></button>' +
      '<button type="button" data-zoom="in" title="Zoom in (+)" aria-label="Zoom in">+</button>' +
      '<button type="button" data-zoom="fit" title="Fit to the window">Fit</button>' +
      '<a class="oswsd-full-image" target="_blank" rel="noopener">Open image</a>' +
      '<button type="button" class="oswsd-close" title="Close (Esc)">Close</button>' +
      "</div>" +
      '<div class="oswsd-full-frame" tabindex="0"></div>';
    document.body.appendChild(dialog);
    const state = {
      dialog,
      frame: dialog.querySelector(".oswsd-full-frame"),
      title: dialog.querySelector(".oswsd-full-title"),
      actual: dialog.querySelector('[data-zoom="actual"]'),
      image: dialog.querySelector(".oswsd-full-image"),
      canvas: null,
      home: null,
      opener: null,
      scale: 1,
    };
    dialog.querySelector(".oswsd-close").addEventListener("click", () => closeViewer(state));
    dialog.addEventListener("close", () => closeViewer(state));
    dialog.querySelector(".oswsd-full-tools").addEventListener("click", (event) => {
      const button = event.target.closest("[data-zoom]");
      if (!button) return;
      const how = button.dataset.zoom;
      if (how === "in") zoomAround(state, state.scale * ZOOM_STEP);
      else if (how === "out") zoomAround(state, state.scale / ZOOM_STEP);
      else if (how === "actual") zoomAround(state, 1);
      else zoomAround(state, fitScale(state, true));
    });
    dialog.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        // What the dialog does by itself, unless a browser's close watcher
        // holds a first Escape back.
        event.preventDefault();
        closeViewer(state);
        return;
      }
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.target.closest("a, button") && (event.key === "Enter" || event.key === " ")) return;
      if (event.key === "+" || event.key === "=") zoomAround(state, state.scale * ZOOM_STEP);
      else if (event.key === "-" || event.key === "_") zoomAround(state, state.scale / ZOOM_STEP);
      else if (event.key === "0") zoomAround(state, 1);
      else return;
      event.preventDefault();
    });
    panAndPinch(state);
    return state;
  }

  function naturalSize(canvas) {
    return [Number(canvas.dataset.width) || 1, Number(canvas.dataset.height) || 1];
  }

  function fitScale(state, whole) {
    const [width, height] = naturalSize(state.canvas);
    const across = state.frame.clientWidth / width;
    return whole ? Math.min(across, state.frame.clientHeight / height) : across;
  }

  /* Zoom to ``scale`` keeping the point under (x, y) (default: the middle
     of the window) where it is. */
  function zoomAround(state, scale, x, y) {
    const frame = state.frame;
    const box = frame.getBoundingClientRect();
    if (x === undefined) {
      x = box.left + frame.clientWidth / 2;
      y = box.top + frame.clientHeight / 2;
    }
    const before = state.canvas.getBoundingClientRect();
    const u = (x - before.left) / state.scale;
    const v = (y - before.top) / state.scale;
    setScale(state, scale);
    const after = state.canvas.getBoundingClientRect();
    frame.scrollLeft += after.left + u * state.scale - x;
    frame.scrollTop += after.top + v * state.scale - y;
  }

  function setScale(state, scale) {
    state.scale = clamp(scale, MIN_SCALE, MAX_SCALE);
    const [width] = naturalSize(state.canvas);
    state.canvas.style.width = `${width * state.scale}px`;
    state.actual.textContent = `${Math.round(state.scale * 100)}%`;
  }

  function openViewer(diagram, opener) {
    viewer = viewer || buildViewer();
    const state = viewer;
    const frame = diagram.querySelector(".oswsd-frame");
    const canvas = frame.querySelector(".oswsd-canvas");
    // Keep the page's layout while the drawing is away.
    frame.style.height = `${frame.offsetHeight}px`;
    state.home = { frame, left: frame.scrollLeft, top: frame.scrollTop };
    state.canvas = canvas;
    state.opener = opener;
    state.title.textContent = frame.getAttribute("aria-label") || "";
    state.dialog.setAttribute("aria-label", state.title.textContent);
    state.image.href = diagram.querySelector(".oswsd-image-link").href;
    state.dialog.dataset.style = diagram.dataset.style || "";
    state.frame.appendChild(canvas);
    state.dialog.showModal();
    const least = Number(canvas.dataset.leastScale) || 1;
    setScale(state, clamp(fitScale(state, false), least, 1.5));
    state.frame.scrollLeft = 0;
    state.frame.scrollTop = 0;
    state.frame.focus();
  }

  /* Put the drawing back where it was and the focus on the control that
     opened the view, at once (the dialog's close event comes later). */
  function closeViewer(state) {
    if (state.dialog.open) state.dialog.close();
    if (!state.canvas) return;
    const { frame, left, top } = state.home;
    state.canvas.style.width = "";
    frame.appendChild(state.canvas);
    frame.style.height = "";
    frame.scrollLeft = left;
    frame.scrollTop = top;
    state.canvas = null;
    if (state.opener) state.opener.focus();
  }

  /* Drag to pan (mouse, pen, one finger), pinch to zoom (two fingers),
     wheel to zoom (Shift+wheel scrolls). A drag never follows a link. */
  function panAndPinch(state) {
    const frame = state.frame;
    const pointers = new Map();
    let dragged = false;
    let pinch = null;

    frame.addEventListener("pointerdown", (event) => {
      if (event.button !== 0) return;
      pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
      dragged = false;
      if (pointers.size === 2) pinch = { distance: spread(pointers), scale: state.scale };
    });
    frame.addEventListener("pointermove", (event) => {
      const last = pointers.get(event.pointerId);
      if (!last) return;
      const dx = event.clientX - last.x;
      const dy = event.clientY - last.y;
      if (!dragged && Math.hypot(dx, dy) < 4) return;
      if (!dragged) {
        dragged = true;
        frame.setPointerCapture(event.pointerId);
        frame.classList.add("oswsd-dragging");
      }
      pointers.set(event.pointerId, { x: event.clientX, y: event.clientY });
      if (pinch && pointers.size === 2) {
        const [a, b] = [...pointers.values()];
        zoomAround(state, pinch.scale * (spread(pointers) / pinch.distance),
          (a.x + b.x) / 2, (a.y + b.y) / 2);
      } else {
        frame.scrollLeft -= dx;
        frame.scrollTop -= dy;
      }
    });
    const release = (event) => {
      pointers.delete(event.pointerId);
      if (pointers.size < 2) pinch = null;
      if (!pointers.size) frame.classList.remove("oswsd-dragging");
    };
    frame.addEventListener("pointerup", release);
    frame.addEventListener("pointercancel", release);
    frame.addEventListener("click", (event) => {
      if (dragged) {
        event.preventDefault();
        event.stopPropagation();
        dragged = false;
      }
    }, true);
    frame.addEventListener("wheel", (event) => {
      if (event.shiftKey) return;
      event.preventDefault();
      const lines = event.deltaMode === 1 ? 30 : 1;
      zoomAround(state, state.scale * Math.exp(-event.deltaY * lines * 0.002),
        event.clientX, event.clientY);
    }, { passive: false });
  }

  function spread(pointers) {
    const [a, b] = [...pointers.values()];
    return Math.hypot(a.x - b.x, a.y - b.y) || 1;
  }

  /* -- steps: the diagram and its list light up together -- */

  function stepNumber(element) {
    const found = /-step-(\d+)$/.exec(element.id || "");
    return found ? Number(found[1]) : null;
  }

  function linkSteps(figure) {
    const svg = figure.querySelector("svg.oswsd");
    const list = figure.nextElementSibling;
    const rows = list && list.matches("details.oswsd-steps")
      ? [...list.querySelectorAll(":scope > ol > li, :scope > div > ol > li")]
      : [];
    const shapes = new Map();
    if (svg) {
      for (const step of svg.querySelectorAll(".oswsd-step")) {
        const number = stepNumber(step);
        if (number) shapes.set(number, step);
      }
    }
    const light = (number, on) => {
      const shape = shapes.get(number);
      if (shape) shape.classList.toggle("oswsd-active", on);
      const row = rows[number - 1];
      if (row) row.classList.toggle("oswsd-active", on);
    };
    const follow = (root, find) => {
      for (const [kind, on] of [["pointerover", true], ["pointerout", false],
        ["focusin", true], ["focusout", false]]) {
        root.addEventListener(kind, (event) => {
          const number = find(event.target);
          if (number) light(number, on);
        });
      }
    };
    if (svg) {
      follow(svg, (target) => {
        const step = target.closest && target.closest(".oswsd-step, .oswsd-link");
        if (!step) return null;
        return stepNumber(step.matches(".oswsd-link")
          ? step.querySelector(".oswsd-step") : step);
      });
    }
    if (list) {
      follow(list, (target) => {
        const row = target.closest && target.closest("li");
        const index = rows.indexOf(row);
        return index < 0 ? null : index + 1;
      });
    }
    rows.forEach((row, index) => {
      const anchor = `${figure.id}-step-${index + 1}`;
      if (!figure.id) return;
      const link = document.createElement("a");
      link.className = "oswsd-step-anchor";
      link.href = `#${anchor}`;
      link.title = "Link to this step";
      link.textContent = "#";
      const paragraph = row.querySelector("p") || row;
      paragraph.appendChild(link);
    });
    return { figure, rows, shapes, light };
  }

  /* -- #<figure-id>-step-N: scroll to the step, light it in both places -- */

  function showTarget(linked) {
    const found = /^#(.+)-step-(\d+)$/.exec(decodeURIComponent(location.hash));
    for (const entry of linked) {
      for (const row of entry.rows) row.classList.remove("oswsd-target");
    }
    if (!found) return;
    const entry = linked.find((item) => item.figure.id === found[1]);
    if (!entry) return;
    const number = Number(found[2]);
    const row = entry.rows[number - 1];
    if (row) {
      row.classList.add("oswsd-target");
      const list = row.closest("details");
      if (list) list.open = true;
    }
    const shape = entry.shapes.get(number);
    if (shape) {
      shape.scrollIntoView({ block: "center", inline: "center" });
    } else if (row) {
      row.scrollIntoView({ block: "center" });
    }
  }

  function start() {
    const linked = [];
    for (const diagram of document.querySelectorAll(".oswsd-diagram")) {
      const frame = diagram.querySelector(".oswsd-frame");
      if (!frame) continue;
      watchEdges(frame);
      stickHeads(frame.querySelector(".oswsd-canvas"));
      const button = diagram.querySelector(".oswsd-open");
      if (button && window.HTMLDialogElement) {
        button.hidden = false;
        button.addEventListener("click", () => openViewer(diagram, button));
      }
      const figure = diagram.closest("figure");
      if (figure) linked.push(linkSteps(figure));
    }
    showTarget(linked);
    window.addEventListener("hashchange", () => showTarget(linked));
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
