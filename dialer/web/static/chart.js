// Attempts over time as inline SVG: one stacked bar per time slice, coloured by outcome.
"use strict";
const OUTCOME_COLOURS = {
  human: "#2e7d32", machine: "#6a1b9a", busy: "#ef6c00", no_answer: "#9e9e9e",
  abandoned: "#c62828", failed: "#5d4037", congestion: "#ad1457", in_progress: "#1565c0",
};
const SVG = "http://www.w3.org/2000/svg";

function svgEl(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

function drawOutcomeChart(container, data, width = 640, height = 200) {
  const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height + 40}`, width, height: height + 40,
    role: "img", "aria-label": "attempts over time" });
  const series = data.series;
  const max = Math.max(1, ...series.map((p) => p.attempts));
  const slot = Math.min(40, width / Math.max(series.length, 1));
  svg.append(svgEl("line", { x1: 0, y1: height, x2: width, y2: height, stroke: "#444" }));
  series.forEach((point, i) => {
    let y = height;
    for (const [outcome, n] of Object.entries(point.outcomes)) {
      const h = (n / max) * (height - 10);
      y -= h;
      const bar = svgEl("rect", { x: i * slot + 1, y, width: Math.max(slot - 2, 1), height: h,
        fill: OUTCOME_COLOURS[outcome] || "#607d8b", class: "bar", "data-outcome": outcome });
      bar.append(svgEl("title", {}));
      bar.firstChild.textContent = `${point.t}: ${n} ${outcome}`;
      svg.append(bar);
    }
  });
  const total = series.reduce((s, p) => s + p.attempts, 0);
  const caption = svgEl("text", { x: 0, y: height + 16, "font-size": 12, class: "caption" });
  caption.textContent = series.length
    ? `${total} attempts since ${data.start.slice(11, 19)} UTC, ${data.bucket_seconds} s per bar; tallest ${max}`
    : "no attempts yet";
  svg.append(caption);
  let x = 0;
  const seen = new Set(series.flatMap((p) => Object.keys(p.outcomes)));
  for (const outcome of seen) {
    svg.append(svgEl("rect", { x, y: height + 26, width: 10, height: 10, fill: OUTCOME_COLOURS[outcome] || "#607d8b" }));
    const label = svgEl("text", { x: x + 14, y: height + 35, "font-size": 11 });
    label.textContent = outcome;
    svg.append(label);
    x += 24 + outcome.length * 7;
  }
  container.replaceChildren(svg);
}
