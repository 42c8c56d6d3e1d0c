// Hand-drawn SVG charts: a sparkline for a table cell and a small line chart
// with a legend for a few series over time. Points are { t: ms, v: number }.

const SVG = 'http://www.w3.org/2000/svg';
export const COLORS = ['#2d5b8a', '#d1495b', '#edae49', '#00798c', '#66a182', '#8d6a9f', '#30638e', '#a05195'];

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  node.append(...children);
  return node;
}

function path(points, x, y) {
  return points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`).join(' ');
}

/** A tiny line of the last values, scaled to its own maximum. */
export function sparkline(values, { width = 120, height = 24, color = COLORS[0] } = {}) {
  const max = Math.max(1, ...values);
  const points = values.map((v, i) => ({ t: i, v }));
  const x = (t) => (values.length <= 1 ? width : (t / (values.length - 1)) * (width - 2) + 1);
  const y = (v) => height - 2 - (v / max) * (height - 4);
  return svg('svg', { class: 'spark', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': `last ${values.at(-1) ?? 0}` },
    svg('path', { d: path(points, x, y), fill: 'none', stroke: color, 'stroke-width': 1.5 }));
}

/** Several series on shared axes: the y axis from 0 to the largest value, the x axis over the time span seen. */
export function lineChart(series, { width = 560, height = 180, unit = '' } = {}) {
  const pad = { left: 48, right: 10, top: 10, bottom: 22 };
  const all = series.flatMap((s) => s.points);
  const t0 = Math.min(...all.map((p) => p.t), Date.now());
  const t1 = Math.max(...all.map((p) => p.t), t0 + 1000);
  const max = Math.max(1, ...all.map((p) => p.v));
  const x = (t) => pad.left + ((t - t0) / (t1 - t0)) * (width - pad.left - pad.right);
  const y = (v) => height - pad.bottom - (v / max) * (height - pad.top - pad.bottom);
  const root = svg('svg', { class: 'chart', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img' });
  for (const frac of [0, 0.5, 1]) {
    const v = max * frac;
    root.append(svg('line', { x1: pad.left, x2: width - pad.right, y1: y(v), y2: y(v), stroke: '#e5e9ee' }));
    root.append(svg('text', { x: pad.left - 6, y: y(v) + 3, 'text-anchor': 'end' }, `${Number.isInteger(v) ? v : v.toFixed(1)}${unit}`));
  }
  root.append(svg('text', { x: pad.left, y: height - 6 }, `${Math.round((t1 - t0) / 1000)} s ago`));
  root.append(svg('text', { x: width - pad.right, y: height - 6, 'text-anchor': 'end' }, 'now'));
  series.forEach((s, i) => {
    if (s.points.length === 0) return;
    const color = s.color ?? COLORS[i % COLORS.length];
    root.append(svg('path', { d: path(s.points, x, y), fill: 'none', stroke: color, 'stroke-width': 2 }));
    const last = s.points.at(-1);
    root.append(svg('circle', { cx: x(last.t), cy: y(last.v), r: 2.5, fill: color }));
  });
  return root;
}

/** The legend under a chart: one colour swatch and name per series. */
export function legend(series) {
  const box = document.createElement('div');
  box.className = 'legend';
  series.forEach((s, i) => {
    const item = document.createElement('span');
    const swatch = document.createElement('i');
    swatch.style.background = s.color ?? COLORS[i % COLORS.length];
    item.append(swatch, s.name);
    box.append(item);
  });
  return box;
}
