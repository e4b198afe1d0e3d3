#!/usr/bin/env node
// Draws one line chart from scenario results (the .json the runner writes beside each table): one series per
// result file and y key, the x and y values taken from the rows of the file's first table.
//
//   node bench/loadgen/plot.mjs OUT.svg --x deliveriesPerSecond --y p99,p50 [--log-y] [--title T]
//        [--x-title T] [--y-title T] RESULT.json...
//
// Writes the SVG, and beside it a PNG (OUT.png) rendered by headless Chromium when /usr/bin/chromium exists.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values: opt, positionals: files } = parseArgs({
  allowPositionals: true,
  options: {
    x: { type: 'string' }, y: { type: 'string' }, 'log-y': { type: 'boolean', default: false },
    title: { type: 'string', default: '' }, 'x-title': { type: 'string' }, 'y-title': { type: 'string' },
  },
});
const out = files.shift();
if (!out?.endsWith('.svg') || !opt.x || !opt.y || files.length === 0) {
  console.error('usage: plot.mjs OUT.svg --x KEY --y KEY[,KEY] [--log-y] [--title T] RESULT.json...');
  process.exit(64);
}

const W = 900;
const H = 520;
const M = { left: 80, right: 30, top: 50, bottom: 150 };
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];
const DASHES = ['', '6 4', '2 3'];
const yKeys = opt.y.split(',');
const escape = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const number = (v) => (typeof v === 'number' ? v : Number(String(v).replace(/[^0-9.eE+-]/g, '')));

const series = files.flatMap((file, f) => {
  const result = JSON.parse(readFileSync(file, 'utf8'));
  const { rows, columns } = result.tables[0];
  const title = (key) => columns.find((c) => c.key === key)?.title ?? key;
  return yKeys.map((key, k) => ({
    name: `${result.label ?? result.title} — ${title(key)}`, color: COLORS[f % COLORS.length], dash: DASHES[k % DASHES.length],
    points: rows.map((row) => [number(row[opt.x]), number(row[key])]).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)),
    xTitle: title(opt.x), yTitle: title(key),
  }));
});
const all = series.flatMap((s) => s.points);
if (all.length === 0) throw new Error('no plottable rows');

/** Round tick values covering [lo, hi]: 1/2/5 steps, or decades on a log axis. */
function ticks(lo, hi, log) {
  if (log) {
    const out_ = [];
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) out_.push(10 ** e);
    return out_;
  }
  const raw = (hi - lo) / 6 || 1;
  const base = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * base).find((s) => s >= raw);
  const out_ = [];
  for (let v = Math.floor(lo / step) * step; v <= hi + step / 2; v += step) out_.push(Number(v.toPrecision(12)));
  return out_;
}

const logY = opt['log-y'];
const xs = ticks(0, Math.max(...all.map(([x]) => x)), false);
const ys = logY ? ticks(Math.max(0.01, Math.min(...all.map(([, y]) => y).filter((y) => y > 0))), Math.max(...all.map(([, y]) => y)), true)
  : ticks(0, Math.max(...all.map(([, y]) => y)), false);
const [x0, x1, y0, y1] = [xs[0], xs.at(-1), ys[0], ys.at(-1)];
const px = (x) => M.left + ((x - x0) / (x1 - x0 || 1)) * (W - M.left - M.right);
const py = (y) => {
  const t = logY ? (Math.log10(Math.max(y, y0)) - Math.log10(y0)) / (Math.log10(y1) - Math.log10(y0) || 1) : (y - y0) / (y1 - y0 || 1);
  return H - M.bottom - t * (H - M.top - M.bottom);
};
const label = (v) => (v >= 1000 ? `${v / 1000}k` : String(v));

const svg = [
  `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="13">`,
  `<rect width="${W}" height="${H}" fill="white"/>`,
  `<text x="${W / 2}" y="28" text-anchor="middle" font-size="16">${escape(opt.title)}</text>`,
  ...xs.map((v) => `<line x1="${px(v)}" x2="${px(v)}" y1="${M.top}" y2="${H - M.bottom}" stroke="#ddd"/>`
    + `<text x="${px(v)}" y="${H - M.bottom + 18}" text-anchor="middle">${label(v)}</text>`),
  ...ys.map((v) => `<line x1="${M.left}" x2="${W - M.right}" y1="${py(v)}" y2="${py(v)}" stroke="#ddd"/>`
    + `<text x="${M.left - 8}" y="${py(v) + 4}" text-anchor="end">${label(v)}</text>`),
  `<rect x="${M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}" fill="none" stroke="#444"/>`,
  `<text x="${(M.left + W - M.right) / 2}" y="${H - M.bottom + 40}" text-anchor="middle">${escape(opt['x-title'] ?? series[0].xTitle)}</text>`,
  `<text transform="translate(22 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${escape(opt['y-title'] ?? series[0].yTitle)}${logY ? ' (log scale)' : ''}</text>`,
  ...series.map((s) => `<polyline fill="none" stroke="${s.color}" stroke-width="2" stroke-dasharray="${s.dash}" points="${
    s.points.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ')}"/>`
    + s.points.map(([x, y]) => `<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${s.color}"/>`).join('')),
  ...series.map((s, i) => {
    const y = H - M.bottom + 62 + i * 18;
    return `<line x1="${M.left}" x2="${M.left + 30}" y1="${y - 4}" y2="${y - 4}" stroke="${s.color}" stroke-width="2" stroke-dasharray="${s.dash}"/>`
      + `<text x="${M.left + 38}" y="${y}">${escape(s.name)}</text>`;
  }),
  '</svg>',
].join('\n');
const height = H + Math.max(0, series.length * 18 - 80);
writeFileSync(out, svg.replace(`height="${H}"`, `height="${height}"`).replace(`<rect width="${W}" height="${H}"`, `<rect width="${W}" height="${height}"`));
console.error(`written ${out}`);

// PNG: Chromium's headless screenshot of the SVG at its own size
const chromium = '/usr/bin/chromium';
if (existsSync(chromium)) {
  const profile = mkdtempSync(join(tmpdir(), 'plot-chromium-'));
  const png = out.replace(/\.svg$/, '.png');
  const run = spawnSync(chromium, ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run', '--hide-scrollbars', `--user-data-dir=${profile}`,
    `--window-size=${W},${height}`, `--screenshot=${resolve(png)}`, `file://${resolve(out)}`], { encoding: 'utf8', timeout: 60_000 });
  rmSync(profile, { recursive: true, force: true });
  if (run.status === 0 && existsSync(png)) console.error(`written ${png}`);
  else console.error(`no PNG: chromium exited ${run.status}: ${(run.stderr ?? '').split('\n').slice(-3).join(' ')}`);
}
