// The mass-failure timeline as a hand-written SVG (no dependency): above, instances
// recovered against time for vmha, the bare loop and the zero-overhead floor, with
// HaStack's two figures marked; below, evacuations started per minute and evacuations
// in flight at Nova, against the limits. Times are real-scale minutes after the failure.

export interface ChartInput {
  title: string;
  subtitle: string;
  total: number;
  /** Recovery times (real-scale s) per series. */
  series: { label: string; color: string; dashed?: boolean; timesS: readonly number[] }[];
  /** Vertical markers, minutes. */
  markers: { label: string; atMin: number }[];
  /** Evacuations at Nova for the lower panel: [accepted, ended] in real-scale s. */
  inNovaS: readonly (readonly [number, number | null])[];
  perMinuteLimit: number;
  concurrencyLimit: number;
}

const W = 920;
const H = 620;
const L = 70;
const R = 30;
const TOP = { y: 70, h: 300 };
const BOT = { y: 440, h: 130 };

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const f = (x: number): string => x.toFixed(1);

/** A "nice" tick step for a range, about `n` ticks. */
function tickStep(max: number, n: number): number {
  const raw = max / n;
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? raw;
}

function axes(out: string[], box: { y: number; h: number }, xMax: number, yMax: number, yLabel: string): { x: (m: number) => number; y: (v: number) => number } {
  const x = (m: number): number => L + ((W - L - R) * m) / xMax;
  const y = (v: number): number => box.y + box.h - (box.h * v) / yMax;
  const xs = tickStep(xMax, 10);
  for (let m = 0; m <= xMax + 1e-9; m += xs) {
    out.push(`<line x1="${f(x(m))}" y1="${box.y}" x2="${f(x(m))}" y2="${box.y + box.h}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${f(x(m))}" y="${box.y + box.h + 16}" text-anchor="middle">${Math.round(m)}</text>`);
  }
  const ys = tickStep(yMax, 5);
  for (let v = 0; v <= yMax + 1e-9; v += ys) {
    out.push(`<line x1="${L}" y1="${f(y(v))}" x2="${W - R}" y2="${f(y(v))}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${L - 6}" y="${f(y(v) + 4)}" text-anchor="end">${Math.round(v)}</text>`);
  }
  out.push(`<rect x="${L}" y="${box.y}" width="${W - L - R}" height="${box.h}" fill="none" stroke="#888"/>`);
  out.push(`<text transform="translate(18 ${box.y + box.h / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`);
  return { x, y };
}

/** The chart as an SVG document. */
export function renderChart(c: ChartInput): string {
  const ends = c.series.flatMap((s) => (s.timesS.length ? [s.timesS[s.timesS.length - 1]!] : []));
  const xMax = Math.max(5, ...c.markers.map((m) => m.atMin), ...ends.map((s) => s / 60)) * 1.05;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${L}" y="26" font-size="16" font-weight="bold">${esc(c.title)}</text>`,
    `<text x="${L}" y="46" fill="#444">${esc(c.subtitle)}</text>`,
  ];
  const top = axes(out, TOP, xMax, c.total * 1.05, 'instances recovered');
  for (const m of c.markers) {
    out.push(`<line x1="${f(top.x(m.atMin))}" y1="${TOP.y}" x2="${f(top.x(m.atMin))}" y2="${TOP.y + TOP.h}" stroke="#c0392b" stroke-dasharray="6 4"/>`);
    // Above the panel, where no curve crosses it.
    out.push(`<text x="${f(top.x(m.atMin))}" y="${TOP.y - 5}" text-anchor="middle" fill="#c0392b">${esc(m.label)}</text>`);
  }
  out.push(`<line x1="${L}" y1="${f(top.y(c.total))}" x2="${W - R}" y2="${f(top.y(c.total))}" stroke="#999" stroke-dasharray="2 3"/>`);
  c.series.forEach((s, i) => {
    const pts = [`${f(top.x(0))},${f(top.y(0))}`];
    s.timesS.forEach((t, k) => {
      pts.push(`${f(top.x(t / 60))},${f(top.y(k))}`, `${f(top.x(t / 60))},${f(top.y(k + 1))}`);
    });
    out.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 4"' : ''}/>`);
    const ly = TOP.y + TOP.h - 16 - 18 * (c.series.length - 1 - i);
    out.push(`<line x1="${W - R - 300}" y1="${ly - 4}" x2="${W - R - 272}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 4"' : ''}/>`);
    out.push(`<text x="${W - R - 266}" y="${ly}">${esc(s.label)}</text>`);
  });

  // Lower panel: starts per minute (bars) and in flight (line), against the limits.
  const minutes = Math.ceil(xMax);
  const perMin = new Array<number>(minutes).fill(0);
  for (const [a] of c.inNovaS) if (a / 60 < minutes) perMin[Math.floor(a / 60)]!++;
  const yMax = Math.max(c.perMinuteLimit, c.concurrencyLimit, ...perMin) * 1.1;
  const bot = axes(out, BOT, xMax, yMax, 'evacuations');
  perMin.forEach((n, m) => {
    if (!n) return;
    const x0 = bot.x(m) + 1;
    const x1 = bot.x(Math.min(m + 1, xMax)) - 1;
    out.push(`<rect x="${f(x0)}" y="${f(bot.y(n))}" width="${f(Math.max(0.5, x1 - x0))}" height="${f(bot.y(0) - bot.y(n))}" fill="#9ecae1"/>`);
  });
  const ev = c.inNovaS.flatMap(([a, b]) => [
    { t: a, d: 1 },
    ...(b === null ? [] : [{ t: b, d: -1 }]),
  ]);
  ev.sort((p, q) => p.t - q.t || p.d - q.d);
  let cur = 0;
  const line = [`${f(bot.x(0))},${f(bot.y(0))}`];
  for (const e of ev) {
    if (e.t / 60 > xMax) break;
    line.push(`${f(bot.x(e.t / 60))},${f(bot.y(cur))}`);
    cur += e.d;
    line.push(`${f(bot.x(e.t / 60))},${f(bot.y(cur))}`);
  }
  out.push(`<polyline points="${line.join(' ')}" fill="none" stroke="#08519c" stroke-width="1.5"/>`);
  for (const [v, label] of [
    [c.perMinuteLimit, `limit: ${c.perMinuteLimit} per minute`],
    [c.concurrencyLimit, `limit: ${c.concurrencyLimit} at once`],
  ] as const) {
    out.push(`<line x1="${L}" y1="${f(bot.y(v))}" x2="${W - R}" y2="${f(bot.y(v))}" stroke="#c0392b" stroke-dasharray="6 4"/>`);
    out.push(`<text x="${W - R - 4}" y="${f(bot.y(v) - 4)}" text-anchor="end" fill="#c0392b">${esc(label)}</text>`);
  }
  const ly = BOT.y + 24;
  out.push(`<rect x="${L + 8}" y="${ly}" width="12" height="10" fill="#9ecae1"/><text x="${L + 26}" y="${ly + 9}">vmha: evacuations started per minute</text>`);
  out.push(`<line x1="${L + 8}" y1="${ly + 22}" x2="${L + 20}" y2="${ly + 22}" stroke="#08519c" stroke-width="1.5"/><text x="${L + 26}" y="${ly + 26}">vmha: evacuations in flight at Nova</text>`);
  out.push(`<text x="${L + (W - L - R) / 2}" y="${H - 12}" text-anchor="middle">minutes after the failure (real-scale)</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}
