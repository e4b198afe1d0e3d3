#!/usr/bin/env node
// One sitting: the same scenario against the service and each comparison peer in turn, on this machine, one
// after the other (never at once: they would share the cores), then a side-by-side table and plots.
//
//   node bench/loadgen/compare.mjs capacity|fanout [--targets gateway,socketio-peer,...] [run.mjs flags]
//
// Targets by default: every one that runs the scenario: the service, the Socket.IO peer fed by Kafka, the
// Socket.IO peer with an in-process publisher (no Kafka), the Vert.x peer, and for fan-out the plain Kafka
// consumer (no sockets, the floor of the Kafka hop).
// Every other flag goes to each run.mjs run unchanged (e.g. --sockets 10000 --jvm-opts=-Xmx512m; --jvm-opts and
// --set apply to the service only). Writes bench/results/sitting-<scenario>-<time>/ (README.md, each run's
// table and data, <scenario>-*.svg and, where Chromium is, .png: the README shows the plot files written); with
// --smoke, a temporary directory instead, and exits non-zero if a run failed its correctness check.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PEER_NAMES, REPO, peerFits } from './target.mjs';
import { plotImages } from './plot-images.mjs';
import { markdownTable } from './report.mjs';

const [scenario, ...rest] = process.argv.slice(2);
const PLOTS = {
  fanout: [{ name: 'latency', x: 'deliveriesPerSecond', y: 'p99,p50', log: true, yTitle: 'latency ms: p99 solid, p50 dashed',
    title: 'Fan-out: latency against deliveries per second' }],
  capacity: [{ name: 'rss', x: 'held', y: 'rssMiB', yTitle: 'RSS MiB', title: 'Capacity: resident memory against sockets held' }],
};
const fits = PLOTS[scenario] ? ['gateway', ...PEER_NAMES.filter((name) => peerFits(name, scenario))] : [];
const at = rest.indexOf('--targets');
const targets = at >= 0 ? (rest.splice(at, 2)[1] ?? '').split(',') : fits;
if (!PLOTS[scenario] || targets.length === 0 || targets.some((t) => !fits.includes(t))) {
  console.error(`usage: compare.mjs capacity|fanout [--targets ${fits.join(',') || 'gateway,socketio-peer,...'}] [run.mjs flags]`
    + ' (plain-consumer runs fanout only)');
  process.exit(64);
}
const smoke = rest.includes('--smoke');
const serviceOnly = (arg) => arg.startsWith('--jvm-opts') || arg.startsWith('--set');
const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
const dir = join(smoke ? tmpdir() : join(REPO, 'bench/results'), `sitting-${scenario}-${stamp}`);
mkdirSync(dir, { recursive: true });
const log = (message) => console.error(`[compare ${new Date().toISOString().slice(11, 19)}] ${message}`);

const results = [];
let failed = 0;
for (const target of targets) {
  const args = [join(REPO, 'bench/loadgen/run.mjs'), scenario, '--target', target, '--results', dir];
  for (let i = 0; i < rest.length; i++) {
    const takesValue = !rest[i].includes('=') && rest[i + 1] !== undefined && !rest[i + 1].startsWith('--');
    const pair = takesValue ? [rest[i], rest[++i]] : [rest[i]];
    if (target === 'gateway' || !serviceOnly(pair[0])) args.push(...pair);
  }
  log(`${target}: node ${args.slice(1).join(' ')}`);
  const before = new Set(readdirSync(dir));
  const run = spawnSync('node', args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (run.status !== 0) {
    failed++;
    log(`${target}: run.mjs exited ${run.status}`);
  }
  const written = readdirSync(dir).find((f) => f.endsWith('.json') && !before.has(f));
  if (written) results.push({ target, file: join(dir, written), ...JSON.parse(readFileSync(join(dir, written), 'utf8')) });
}

/** The side-by-side table: per target the last capacity step, or per offered rate each target's figures. */
function sideBySide() {
  if (scenario === 'capacity') {
    const rows = results.map((r) => ({ label: r.label, ...r.tables[0].rows.at(-1) }));
    return markdownTable([{ key: 'label', title: 'target' }, { key: 'held', title: 'sockets held' },
      { key: 'failures', title: 'failures' }, { key: 'rssPerSocketKiB', title: 'RSS growth / socket KiB' },
      { key: 'heapPerSocketKiB', title: 'live heap / socket KiB' }, { key: 'cpuPerConnectMs', title: 'CPU ms / connect' },
      { key: 'connectRate', title: 'connect rate /s' }, { key: 'idleCpu', title: 'idle CPU' }], rows);
  }
  const rates = [...new Set(results.flatMap((r) => r.tables[0].rows.map((row) => row.offered)))].sort((a, b) => a - b);
  const rows = rates.map((offered) => Object.fromEntries([['offered', offered], ...results.map((r, k) => {
    const row = r.tables[0].rows.find((x) => x.offered === offered);
    return [`t${k}`, row ? `${row.deliveriesPerSecond}/s, CPU ${row.targetCpu}, p50 ${row.p50?.toFixed(1)} / p99 ${row.p99?.toFixed(1)} ms, drops ${row.drops}` : '—'];
  })]));
  return markdownTable([{ key: 'offered', title: 'offered events/s' }, ...results.map((r, k) => ({ key: `t${k}`, title: r.label }))], rows);
}

for (const plot of PLOTS[scenario]) {
  const svg = join(dir, `${scenario}-${plot.name}.svg`);
  const run = spawnSync('node', [join(REPO, 'bench/loadgen/plot.mjs'), svg, '--x', plot.x, '--y', plot.y, '--title', plot.title, '--y-title', plot.yTitle,
    ...(plot.log ? ['--log-y'] : []), ...results.map((r) => r.file)], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (run.status !== 0) failed++;
}

const command = `node bench/loadgen/compare.mjs ${process.argv.slice(2).join(' ')}`;
const text = [
  `# ${scenario}: the service beside the comparison peers, one sitting`, '',
  `Command: \`${command}\` (runs one after the other on this machine; load average at the end ${loadavg().map((l) => l.toFixed(2)).join(' / ')})`, '',
  sideBySide(), '',
  ...(targets.includes('plain-consumer') && scenario === 'fanout'
    ? ['The plain Kafka consumer has no sockets: its deliveries are the records it read, one per event, so compare its latency, '
      + 'the floor of the Kafka hop, not its deliveries/s.', ''] : []),
  ...(targets.includes('socketio-inprocess-peer')
    ? ['The in-process Socket.IO peer has no Kafka: it emits the events itself, so its latency starts at the emit and its CPU includes publishing.', ''] : []),
  ...plotImages(dir, PLOTS[scenario].map((plot) => `${scenario}-${plot.name}`)), '',
  ...results.map((r) => `- ${r.label}: [${r.file.slice(dir.length + 1).replace(/\.json$/, '.md')}](${r.file.slice(dir.length + 1).replace(/\.json$/, '.md')})`), '',
].join('\n');
writeFileSync(join(dir, 'README.md'), text);
console.log(text);
log(`written ${join(dir, 'README.md')}`);
process.exit(smoke && (failed > 0 || results.length !== targets.length) ? 1 : 0);
