/** A hand-written SVG (no dependency): delivered/s and p99 latency against the number of schools. */

export interface ChartPoint {
  schools: number;
  deliveredPerS: number;
  p99Ms: number;
}

const W = 360;
const H = 240;
const M = { left: 58, right: 14, top: 34, bottom: 44 };

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 2.5, 5, 10].map((m) => m * p).find((m) => m >= v) ?? 10 * p;
}

/** One panel: x on a log scale (schools), y linear from 0. */
function panel(x0: number, title: string, unit: string, points: { x: number; y: number }[], color: string, target?: { y: number; label: string }): string {
  const xs = points.map((p) => p.x);
  const lo = Math.log10(Math.min(...xs));
  const hi = Math.log10(Math.max(...xs));
  const span = hi - lo || 1;
  const yMax = niceMax(Math.max(...points.map((p) => p.y), target?.y ?? 0) * 1.1);
  const pw = W - M.left - M.right;
  const ph = H - M.top - M.bottom;
  const px = (x: number) => x0 + M.left + ((Math.log10(x) - lo) / span) * pw;
  const py = (y: number) => M.top + ph - (y / yMax) * ph;
  const out: string[] = [];
  out.push(`<text x="${x0 + W / 2}" y="18" text-anchor="middle" font-size="13" font-weight="bold">${esc(title)}</text>`);
  for (let i = 0; i <= 4; i++) {
    const y = (yMax * i) / 4;
    out.push(`<line x1="${x0 + M.left}" x2="${x0 + W - M.right}" y1="${py(y)}" y2="${py(y)}" stroke="#ddd"/>`);
    out.push(`<text x="${x0 + M.left - 6}" y="${py(y) + 4}" text-anchor="end" font-size="10">${esc(y >= 1000 ? `${(y / 1000).toLocaleString('en-US')}k` : String(Math.round(y * 10) / 10))}</text>`);
  }
  for (const x of xs) {
    out.push(`<line x1="${px(x)}" x2="${px(x)}" y1="${M.top}" y2="${M.top + ph}" stroke="#eee"/>`);
    out.push(`<text x="${px(x)}" y="${M.top + ph + 14}" text-anchor="middle" font-size="10">${x.toLocaleString('en-US')}</text>`);
  }
  out.push(`<text x="${x0 + M.left + pw / 2}" y="${H - 10}" text-anchor="middle" font-size="11">schools (log scale)</text>`);
  out.push(`<text x="${x0 + 14}" y="${M.top + ph / 2}" text-anchor="middle" font-size="11" transform="rotate(-90 ${x0 + 14} ${M.top + ph / 2})">${esc(unit)}</text>`);
  out.push(`<rect x="${x0 + M.left}" y="${M.top}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`);
  if (target) {
    out.push(`<line x1="${x0 + M.left}" x2="${x0 + W - M.right}" y1="${py(target.y)}" y2="${py(target.y)}" stroke="#c33" stroke-dasharray="4 3"/>`);
    out.push(`<text x="${x0 + W - M.right - 4}" y="${py(target.y) - 4}" text-anchor="end" font-size="10" fill="#c33">${esc(target.label)}</text>`);
  }
  out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.map((p) => `${px(p.x)},${py(p.y)}`).join(' ')}"/>`);
  for (const p of points) {
    out.push(`<circle cx="${px(p.x)}" cy="${py(p.y)}" r="3.5" fill="${color}"/>`);
    out.push(`<text x="${px(p.x)}" y="${py(p.y) - 8}" text-anchor="middle" font-size="10">${esc(p.y >= 100 ? Math.round(p.y).toLocaleString('en-US') : p.y.toFixed(1))}</text>`);
  }
  return out.join('\n');
}

export function schoolsChart(points: readonly ChartPoint[], caption: string): string {
  const sorted = [...points].sort((a, b) => a.schools - b.schools);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * W}" height="${H + 22}" viewBox="0 0 ${2 * W} ${H + 22}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    panel(0, 'delivered events/s (flood, strict order)', 'events / s', sorted.map((p) => ({ x: p.schools, y: p.deliveredPerS })), '#2a6fdb'),
    panel(W, 'p99 latency, 202 → ack at 1,000 events/s', 'ms', sorted.map((p) => ({ x: p.schools, y: p.p99Ms })), '#d98a2a', { y: 25, label: 'target 25 ms' }),
    `<text x="${W}" y="${H + 14}" text-anchor="middle" font-size="10" fill="#555">${esc(caption)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}
