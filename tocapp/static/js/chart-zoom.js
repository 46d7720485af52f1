// Zoom and pan for drawn charts: any <figure class="zoomable"> holding an inline <svg> gets
// "Zoom in", "Zoom out", "Reset", "Whole chart" and four "Pan" buttons (real buttons, so keyboard and switch users
// have everything a mouse has), Ctrl + wheel or a trackpad pinch, a two-finger pinch on a touch
// screen, and dragging. Charts swapped in by htmx are enhanced too. The page needs only the class,
// this script and css/chart-zoom.css: the vendored svg-pan-zoom is loaded from beside us if the
// page has not loaded it already. Without JavaScript the chart is simply drawn at the page's width.
//
// Content-Security-Policy: no inline styles. svg-pan-zoom writes style="overflow: hidden" with
// setAttribute unless the svg's style already names overflow, so we set it first through the
// CSSOM (which the policy allows); its transforms also go through the CSSOM.
(function () {
  "use strict";
  var script = document.currentScript;
  var instances = [];
  var STEP = 1.3;
  var READABLE = 13 / 11; // px a drawing unit: the 11-unit step text at 13 px (as flowchart.css)

  function loadLibrary(then) {
    if (typeof window.svgPanZoom === "function") { then(); return; }
    var existing = document.querySelector("script[data-svg-pan-zoom]");
    if (!existing) {
      existing = document.createElement("script");
      existing.src = script.src.replace(/js\/chart-zoom\.js(\?.*)?$/, "vendor/svg-pan-zoom/svg-pan-zoom.min.js");
      existing.dataset.svgPanZoom = "true";
      document.head.appendChild(existing);
    }
    existing.addEventListener("load", then);
  }

  function button(cls, symbol, label) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "zoom-button " + cls;
    var icon = document.createElement("span");
    icon.setAttribute("aria-hidden", "true");
    icon.textContent = symbol;
    b.appendChild(icon);
    var text = document.createElement("span");
    text.className = cls.indexOf("pan-") === 0 ? "visually-hidden" : "zoom-button-text";
    text.textContent = label;
    b.appendChild(text);
    return b;
  }

  function toolbar(figure) {
    var bar = document.createElement("div");
    bar.className = "zoom-controls no-print";
    bar.setAttribute("role", "group");
    bar.setAttribute("aria-label", "Zoom and move the drawing");
    [
      button("zoom-in", "+", "Zoom in"),
      button("zoom-out", "−", "Zoom out"),
      button("zoom-reset", "⟲", "Reset"),
      button("zoom-fit", "⤢", "Whole chart")
    ].forEach(function (b) { bar.appendChild(b); });
    var pans = document.createElement("span"); // the four arrows wrap to a new line together
    pans.className = "zoom-pan";
    [
      button("pan-left", "←", "Pan left"),
      button("pan-right", "→", "Pan right"),
      button("pan-up", "↑", "Pan up"),
      button("pan-down", "↓", "Pan down")
    ].forEach(function (b) { pans.appendChild(b); });
    bar.appendChild(pans);
    var level = document.createElement("span");
    level.className = "zoom-level";
    level.setAttribute("role", "status");
    bar.appendChild(level);
    var hint = document.createElement("small");
    hint.className = "zoom-hint muted";
    hint.textContent = "Ctrl + scroll or pinch to zoom; drag to move.";
    bar.appendChild(hint);
    return bar;
  }

  function frameHeight(frame, ratio) {
    // The chart's own shape at the frame's width, but never taller than most of the window.
    // On a phone, less: a finger on the chart moves the chart, so leave room to scroll the page.
    var height = frame.clientWidth * ratio || 300;
    var most = window.innerHeight * (window.innerWidth < 640 ? 0.6 : 0.8);
    return Math.round(Math.max(220, Math.min(height, most)));
  }

  function enhance(figure) {
    var svg = figure.querySelector("svg");
    // Done already (svg-pan-zoom has taken its viewBox), or nothing to zoom.
    if (!svg || svg.hasAttribute("data-zoom-ready") || !svg.getAttribute("viewBox")) { return; }
    // A new drawing in a figure that had one (a swap of the figure's inside, or of the svg
    // alone): let the old one go, with its buttons, and start again.
    release(figure);
    svg.setAttribute("data-zoom-ready", "true");
    figure.dataset.zoomReady = "true";
    var frame = svg.parentNode;
    if (!frame.classList.contains("zoom-frame")) {
      frame = document.createElement("div");
      frame.className = "zoom-frame";
      svg.parentNode.insertBefore(frame, svg);
      frame.appendChild(svg);
    }
    figure.querySelectorAll(".zoom-frame").forEach(function (old) {
      if (old !== frame && !old.querySelector("svg")) { old.remove(); }
    });
    var bar = toolbar(figure);
    frame.parentNode.insertBefore(bar, frame);

    var box = svg.viewBox.baseVal;
    var ratio = box && box.width ? box.height / box.width : 0.6;
    // The frame's width, not the reading width flowchart.css gives a chart without zoom.
    svg.style.width = "100%";
    svg.style.maxWidth = "100%";
    svg.style.height = frameHeight(frame, ratio) + "px";
    svg.style.overflow = "hidden";
    var panZoom = window.svgPanZoom(svg, {
      zoomEnabled: true,
      controlIconsEnabled: false,
      dblClickZoomEnabled: false,
      mouseWheelZoomEnabled: false, // our own wheel handler: a plain wheel scrolls the page
      preventMouseEventsDefault: true,
      zoomScaleSensitivity: 0.3,
      minZoom: 0.5,
      maxZoom: 12,
      fit: true,
      center: true,
      onZoom: function () { showLevel(); }
    });
    var level = bar.querySelector(".zoom-level");
    // 100% is the size the chart is drawn to be read at: step text at 13 px.
    function showLevel() {
      level.textContent = Math.round(panZoom.getSizes().realZoom / READABLE * 100) + "%";
    }
    // The view a chart starts from (and Reset goes back to): the whole chart if its words can be
    // read that way (step text at 13 px or more), else its top left corner at reading size, so
    // nobody starts squinting; "Whole chart" shows every step at once when that matters more.
    // A figure marked data-zoom-start="whole" (the voice page: every step in sight during an
    // interview) starts whole unless its words would be under half their reading size (a phone).
    var smallest = figure.dataset.zoomStart === "whole" ? READABLE / 2 : READABLE;
    function startView() {
      panZoom.resize();
      panZoom.fit();
      panZoom.center();
      var real = panZoom.getSizes().realZoom;
      if (real < smallest) {
        panZoom.zoom(panZoom.getZoom() * READABLE / real);
        panZoom.pan({ x: 0, y: 0 });
      }
      showLevel();
    }
    startView();

    function pan(dx, dy) {
      var box = frame.getBoundingClientRect();
      panZoom.panBy({ x: dx * box.width * 0.25, y: dy * box.height * 0.25 });
    }
    bar.querySelector(".zoom-in").addEventListener("click", function () { panZoom.zoomBy(STEP); });
    bar.querySelector(".zoom-out").addEventListener("click", function () { panZoom.zoomBy(1 / STEP); });
    bar.querySelector(".zoom-reset").addEventListener("click", startView);
    bar.querySelector(".zoom-fit").addEventListener("click", function () {
      panZoom.fit(); panZoom.center(); showLevel();
    });
    // "Pan left" shows what is to the left: the drawing moves right.
    bar.querySelector(".pan-left").addEventListener("click", function () { pan(1, 0); });
    bar.querySelector(".pan-right").addEventListener("click", function () { pan(-1, 0); });
    bar.querySelector(".pan-up").addEventListener("click", function () { pan(0, 1); });
    bar.querySelector(".pan-down").addEventListener("click", function () { pan(0, -1); });

    // Ctrl (or ⌘) + wheel, and a trackpad's pinch (which the browser sends as Ctrl + wheel).
    svg.addEventListener("wheel", function (event) {
      if (!event.ctrlKey && !event.metaKey) { return; }
      event.preventDefault();
      var box = svg.getBoundingClientRect();
      var factor = Math.exp(-event.deltaY * 0.01);
      panZoom.zoomAtPointBy(factor, { x: event.clientX - box.left, y: event.clientY - box.top });
    }, { passive: false });

    // A two-finger pinch on a touch screen; one finger pans (svg-pan-zoom's own drag).
    var pinch = null;
    function spread(touches) {
      return Math.hypot(touches[0].clientX - touches[1].clientX, touches[0].clientY - touches[1].clientY);
    }
    svg.addEventListener("touchstart", function (event) {
      if (event.touches.length === 2) { pinch = spread(event.touches); panZoom.disablePan(); }
    }, { passive: true });
    svg.addEventListener("touchmove", function (event) {
      if (pinch === null || event.touches.length !== 2) { return; }
      event.preventDefault();
      var now = spread(event.touches);
      var box = svg.getBoundingClientRect();
      var midX = (event.touches[0].clientX + event.touches[1].clientX) / 2 - box.left;
      var midY = (event.touches[0].clientY + event.touches[1].clientY) / 2 - box.top;
      panZoom.zoomAtPointBy(now / pinch, { x: midX, y: midY });
      pinch = now;
    }, { passive: false });
    svg.addEventListener("touchend", function (event) {
      if (pinch !== null && event.touches.length < 2) { pinch = null; panZoom.enablePan(); }
    });

    // A drag that moved the chart is not a click on the step where it ended.
    var downAt = null;
    frame.addEventListener("pointerdown", function (event) { downAt = { x: event.clientX, y: event.clientY }; }, true);
    frame.addEventListener("click", function (event) {
      if (downAt && Math.hypot(event.clientX - downAt.x, event.clientY - downAt.y) > 5) {
        event.stopPropagation();
        event.preventDefault();
      }
      downAt = null;
    }, true);

    // Keyboard users reach steps made focusable by the page: keep the focused one in view.
    svg.addEventListener("focusin", function (event) {
      var target = event.target;
      if (!target || typeof target.getBoundingClientRect !== "function") { return; }
      var box = frame.getBoundingClientRect();
      var item = target.getBoundingClientRect();
      var dx = 0, dy = 0;
      if (item.left < box.left) { dx = box.left - item.left + 16; } else if (item.right > box.right) { dx = box.right - item.right - 16; }
      if (item.top < box.top) { dy = box.top - item.top + 16; } else if (item.bottom > box.bottom) { dy = box.bottom - item.bottom - 16; }
      if (dx || dy) { panZoom.panBy({ x: dx, y: dy }); }
    });

    instances.push({ figure: figure, panZoom: panZoom, svg: svg, frame: frame, ratio: ratio, start: startView });
  }

  function release(figure) {
    instances = instances.filter(function (item) {
      if (item.figure !== figure) { return true; }
      try { item.panZoom.destroy(); } catch (error) { /* its svg is gone already */ }
      return false;
    });
    figure.querySelectorAll(".zoom-controls").forEach(function (bar) { bar.remove(); });
  }

  function forget() {
    instances = instances.filter(function (item) {
      if (item.figure.isConnected && item.svg.isConnected) { return true; }
      try { item.panZoom.destroy(); } catch (error) { /* already gone with its svg */ }
      return false;
    });
  }

  function enhanceAll() {
    forget();
    document.querySelectorAll("figure.zoomable").forEach(enhance);
  }

  var resizing = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () {
      instances.forEach(function (item) {
        item.svg.style.height = frameHeight(item.frame, item.ratio) + "px";
        item.start();
      });
    }, 150);
  });

  loadLibrary(function () {
    enhanceAll();
    document.addEventListener("htmx:afterSwap", enhanceAll);
    document.addEventListener("htmx:afterSettle", enhanceAll);
  });

  // For other scripts and tests: the instance that zooms a figure, if any.
  window.tocappChartZoom = {
    of: function (figure) {
      var found = instances.filter(function (item) { return item.figure === figure; })[0];
      return found ? found.panZoom : null;
    },
    enhanceAll: enhanceAll
  };
})();
