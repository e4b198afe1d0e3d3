#!/usr/bin/env node
// Scenario runner: one command per scenario (README.md in this directory lists them and their flags).
//
//   node bench/loadgen/run.mjs capacity [--sockets 10000 --steps 4 ...]
//   node bench/loadgen/run.mjs fanout   [--sockets 10000 --rates 500,1000,2000,5000,10000 ...]
//   node bench/loadgen/run.mjs e2e      [--sockets 10000 --rates 1000 ...]
//   node bench/loadgen/run.mjs <scenario> --smoke
//
// It starts (or attaches to) the target, forks the workers and the producer, runs the steps, prints one JSON
// line per step and a markdown table at the end (also written to bench/results/), and stops everything it
// started, whatever happens. Every loop is bounded in count and time.
import { mkdirSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PROTOCOLS } from './clients.mjs';
import { makeRooms, placeSockets, releaseMilestones } from './escrows.mjs';
import { Child, Fleet } from './fleet.mjs';
import { CpuMeter, commandLine, liveHeapKiB, rssKiB } from './procstat.mjs';
import { machineFacts, markdownTable, writeResult } from './report.mjs';
import { Histogram, round } from './stats.mjs';
import { REPO, startGateway } from './target.mjs';

const SOCKETS_PER_WORKER = 9000; // a process holds at most 20,000 files: stay well under
const SCENARIOS = ['capacity', 'fanout', 'e2e'];

const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    target: { type: 'string', default: 'gateway' }, // 'gateway' (started here) or 'attach'
    url: { type: 'string' }, // attach: ws://127.0.0.1:PORT
    pid: { type: 'string' }, // attach: the target's pid, for CPU/RSS (and heap, if a JVM)
    kafka: { type: 'string' }, // attach: bootstrap servers
    'broker-pid': { type: 'string' },
    rest: { type: 'boolean' }, // attach: create escrows over REST (a gateway); peers need none
    label: { type: 'string' },
    protocol: { type: 'string', default: 'native' },
    sockets: { type: 'string' },
    workers: { type: 'string', default: '2' },
    'per-room': { type: 'string', default: '10' },
    steps: { type: 'string' },
    settle: { type: 'string' }, // capacity: idle seconds measured after each step
    concurrency: { type: 'string', default: '50' }, // connects in flight per worker
    'connect-timeout': { type: 'string', default: '15' },
    rates: { type: 'string' }, // fanout: offered events/s per step
    seconds: { type: 'string' }, // fanout: seconds per step
    warmup: { type: 'string' }, // fanout: seconds at the first rate before the measured steps (JIT, caches)
    drain: { type: 'string', default: '5' }, // fanout: seconds to wait for late deliveries after a step
    'p99-limit': { type: 'string', default: '50' },
    jar: { type: 'string', default: join(REPO, 'target/quarkus-app/quarkus-run.jar') },
    'jvm-opts': { type: 'string', default: '' },
    set: { type: 'string', multiple: true, default: [] }, // gateway setting key=value
    smoke: { type: 'boolean', default: false },
    'max-seconds': { type: 'string' },
    results: { type: 'string' }, // default bench/results; a smoke run's table stays in its run directory
  },
});

const scenario = positionals[0];
if (!SCENARIOS.includes(scenario) || !PROTOCOLS.includes(opt.protocol)) {
  console.error(`usage: run.mjs <${SCENARIOS.join('|')}> [--smoke] [--protocol ${PROTOCOLS.join('|')}] ... (see README.md)`);
  process.exit(64);
}
const smoke = opt.smoke;
const num = (name, normal, small) => Number(opt[name] ?? (smoke ? small : normal));
const settings = {
  sockets: num('sockets', 10000, 50),
  workers: Number(opt.workers),
  perRoom: Number(opt['per-room']),
  steps: num('steps', 4, 2),
  settle: num('settle', 10, 1),
  concurrency: Number(opt.concurrency),
  connectTimeoutMs: Number(opt['connect-timeout']) * 1000,
  rates: (opt.rates ?? (smoke ? '20,50' : positionals[0] === 'e2e' ? '1000' : '500,1000,2000,5000,10000')).split(',').map(Number),
  seconds: num('seconds', 10, 3),
  warmupSeconds: num('warmup', 15, 0),
  drainMs: Number(opt.drain) * 1000,
  p99Limit: Number(opt['p99-limit']),
  maxSeconds: num('max-seconds', 1800, 300),
};
settings.workers = Math.max(settings.workers, Math.ceil(settings.sockets / SOCKETS_PER_WORKER));
if (settings.workers > 250) throw new Error('at most 250 workers: 127.0.0.2 .. 127.0.0.251');

const runId = `run-${Date.now()}`;
const runDir = join(tmpdir(), `escrow-bench-${runId}`);
mkdirSync(runDir, { recursive: true });
const linesFile = join(runDir, 'lines.jsonl');
const log = (message) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
const emit = (line) => console.log(JSON.stringify({ scenario, ...line }));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- everything started here is stopped here ------------------------------------------------------------
const started = { target: null, fleet: null, producer: null };
let stopping = null;
function stopAll() {
  stopping ??= (async () => {
    await started.fleet?.stop();
    await started.producer?.stop();
    await started.target?.stop();
  })();
  return stopping;
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => stopAll().finally(() => process.exit(130)));
}
const deadline = setTimeout(() => {
  log(`over --max-seconds ${settings.maxSeconds}: stopping`);
  stopAll().finally(() => process.exit(2));
}, settings.maxSeconds * 1000);

// ---- the target -------------------------------------------------------------------------------------------
async function target() {
  if (opt.target === 'attach') {
    if (!opt.url || !opt.kafka) throw new Error('--target attach needs --url and --kafka (and --pid to measure it)');
    if (!/^wss?:\/\/(127\.\d+\.\d+\.\d+|localhost)(:|\/|$)/.test(opt.url)) throw new Error('--url must be on 127.0.0.0/8');
    return { url: opt.url.replace(/\/$/, ''), http: opt.rest ? opt.url.replace(/^ws/, 'http').replace(/\/$/, '') : null,
      kafka: opt.kafka, pid: opt.pid && Number(opt.pid), brokerPid: opt['broker-pid'] && Number(opt['broker-pid']),
      label: opt.label ?? `attached ${opt.url}`, stop: async () => {} };
  }
  const gatewaySettings = Object.fromEntries(opt.set.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  const gateway = await startGateway({ runDir, jar: opt.jar, jvmOptions: opt['jvm-opts'].split(' ').filter(Boolean),
    settings: gatewaySettings, log });
  return { ...gateway, label: opt.label ?? 'escrow-realtime (packaged jar)' };
}

// ---- shared steps -----------------------------------------------------------------------------------------
/** Opens `placed` sockets, spread over the workers; returns what the fleet reports, merged. */
async function openSockets(fleet, placed) {
  const shares = fleet.workers.map((_, k) => placed.filter((_, i) => i % fleet.workers.length === k));
  const t0 = performance.now();
  const answers = await fleet.all((k) => ({ cmd: 'open', sockets: shares[k].map(({ user, room }) => ({ user, room })),
    protocol: opt.protocol, baseUrl: tgt.url, concurrency: settings.concurrency, timeoutMs: settings.connectTimeoutMs }),
  'opened', settings.maxSeconds * 1000);
  const seconds = (performance.now() - t0) / 1000;
  const merged = { attempted: 0, ok: 0, held: 0, failures: {}, rooms: {}, seconds };
  for (const a of answers) {
    merged.attempted += a.attempted;
    merged.ok += a.ok;
    merged.held += a.held;
    for (const [reason, n] of Object.entries(a.failures)) merged.failures[reason] = (merged.failures[reason] ?? 0) + n;
    for (const [room, n] of Object.entries(a.rooms)) merged.rooms[room] = (merged.rooms[room] ?? 0) + n;
  }
  return merged;
}

/** Collects and resets every worker's counters; from then on only events of step `next` count. */
async function collect(fleet, step, next) {
  const reports = await fleet.all(() => ({ cmd: 'report', step, next }), 'report', 30_000);
  const merged = { held: 0, lost: {}, duplicates: 0, strays: 0, received: {}, latency: new Histogram(), clockOffsetsMs: [] };
  for (const r of reports) {
    merged.held += r.held;
    merged.duplicates += r.duplicates;
    merged.strays += r.strays;
    merged.latency.merge(r.latency);
    merged.clockOffsetsMs.push(r.clockOffsetMs);
    for (const [code, n] of Object.entries(r.lost)) merged.lost[code] = (merged.lost[code] ?? 0) + n;
    for (const [room, n] of Object.entries(r.received)) merged.received[room] = (merged.received[room] ?? 0) + n;
  }
  return merged;
}

/** How far apart the processes' clocks are: each reports its high-resolution clock minus Date.now(). */
function clockNote(offsets) {
  const spread = Math.max(...offsets) - Math.min(...offsets);
  return `clock agreement: every process runs on this machine and reads one system clock; their high-resolution clocks `
    + `(used for send and receipt times) differ from Date.now() by ${round(Math.min(...offsets), 2)} to ${round(Math.max(...offsets), 2)} ms, `
    + `so times compared across processes are off by at most ${round(spread, 2)} ms`;
}

const sum = (object) => Object.values(object).reduce((a, b) => a + b, 0);

/** Produces `rate` events/s for `seconds` over `escrowIds` to Kafka; answers {sent:{escrowId:n}, ...}. */
const fromKafka = (escrowIds, rate, seconds) => (step) =>
  started.producer.ask({ cmd: 'produce', escrowIds, rate, seconds, step }, 'produced', (seconds + 60) * 1000);

/**
 * Runs `source` (events sent to rooms), then waits (bounded by --drain) until every subscriber has its copy.
 * Returns the source's answer, expected/received counts and the merged report.
 */
async function deliveryStep(step, subscribers, source) {
  await collect(started.fleet, `${step}-before`, step); // counters start from zero, for this step's events only
  const startedAt = performance.now();
  const produced = await source(step);
  const expected = Object.entries(produced.sent).reduce((n, [id, sent]) => n + sent * (subscribers[`escrow:${id}`] ?? 0), 0);
  const drainUntil = performance.now() + settings.drainMs;
  let arrived = 0;
  while (performance.now() < drainUntil) {
    arrived = sum(Object.fromEntries((await started.fleet.all(() => ({ cmd: 'count' }), 'count', 10_000)).map((c, k) => [k, c.total])));
    if (arrived >= expected) break;
    await sleep(100);
  }
  const elapsed = (performance.now() - startedAt) / 1000;
  const report = await collect(started.fleet, step);
  const received = sum(report.received);
  const clockOffsetsMs = [...report.clockOffsetsMs, produced.clockOffsetMs];
  return { produced, expected, received, elapsed, report, clockOffsetsMs };
}

const kib = (value) => (value == null ? null : round(value / 1024, 1));
const percent = (shares, name) => (shares[name] == null ? null : `${round(shares[name] * 100, 1)}%`);
const workersShare = (shares) => sum(Object.fromEntries(Object.entries(shares).filter(([n, v]) => n.startsWith('worker') && v != null)));
/** "target 41%, broker 3%, ...": every process measured, the workers summed. */
const cpuLine = (shares) => [
  ['target', shares.target], ['broker', shares.broker], ['producer', shares.producer],
  ['workers', workersShare(shares)], ['runner', shares.runner],
].filter(([, v]) => v != null).map(([n, v]) => `${n} ${round(v * 100, 1)}%`).join(', ');
const reasons = (failures) => (sum(failures) === 0 ? '0' : Object.entries(failures).map(([r, n]) => `${r}×${n}`).join(', '));

// ---- capacity ---------------------------------------------------------------------------------------------
async function capacity(meter, rooms, placed) {
  const rows = [];
  const pid = tgt.pid;
  const heap = () => (tgt.jvm ? liveHeapKiB(pid) : null);
  const rss0 = pid ? rssKiB(pid) : null;
  const heap0 = heap();
  emit({ step: 'baseline', rssKiB: rss0, liveHeapKiB: heap0 });
  const perStep = Math.ceil(placed.length / settings.steps);
  const subscribers = {};
  let failures = {};
  let ok = 0;
  for (let step = 1; step <= settings.steps; step++) {
    const slice = placed.slice((step - 1) * perStep, step * perStep);
    if (slice.length === 0) break;
    meter.mark();
    const opened = await openSockets(started.fleet, slice);
    const connectCpu = meter.read();
    ok += opened.ok;
    for (const [reason, n] of Object.entries(opened.failures)) failures[reason] = (failures[reason] ?? 0) + n;
    for (const [room, n] of Object.entries(opened.rooms)) subscribers[room] = (subscribers[room] ?? 0) + n;
    meter.mark();
    await sleep(settings.settle * 1000);
    const idleCpu = meter.read();
    const rss = pid ? rssKiB(pid) : null;
    const live = heap();
    const report = await collect(started.fleet, step);
    const held = report.held;
    const row = {
      step, held, failures: reasons(failures), lost: reasons(report.lost),
      connectRate: round(opened.ok / opened.seconds, 0),
      cpuPerConnectMs: connectCpu.target == null || opened.ok === 0 ? null
        : round((connectCpu.target * opened.seconds * 1000) / opened.ok, 2),
      idleCpu: percent(idleCpu, 'target'),
      rssMiB: rss == null ? null : round(rss / 1024, 1),
      rssPerSocketKiB: rss == null || held === 0 ? null : round((rss - rss0) / held, 1),
      heapMiB: live == null ? null : round(live / 1024, 1),
      heapPerSocketKiB: live == null || held === 0 ? null : round((live - heap0) / held, 1),
      connectCpu: cpuLine(connectCpu),
    };
    emit({ step, ...row, idleCpuShares: idleCpu, connectCpuShares: connectCpu, connectSeconds: opened.seconds });
    rows.push(row);
  }
  // every held socket must still get what is sent to its room: about one event per room, counted per room
  const probe = await deliveryStep('probe', subscribers, fromKafka(rooms.map((r) => r.id), Math.max(10, rooms.length), 1));
  emit({ step: 'probe', expected: probe.expected, received: probe.received, duplicates: probe.report.duplicates,
    latency: probe.report.latency.summary(), clockOffsetsMs: probe.clockOffsetsMs });
  const columns = [
    { key: 'step', title: 'step' }, { key: 'held', title: 'sockets held' }, { key: 'failures', title: 'failures (cumulative)' },
    { key: 'lost', title: 'closed after open' }, { key: 'connectRate', title: 'connect rate /s' },
    { key: 'cpuPerConnectMs', title: 'target CPU ms / connect' }, { key: 'idleCpu', title: 'target idle CPU (of a core)' },
    { key: 'rssMiB', title: 'RSS MiB' }, { key: 'rssPerSocketKiB', title: 'RSS growth / socket KiB' },
    { key: 'heapMiB', title: 'live heap MiB' }, { key: 'heapPerSocketKiB', title: 'live heap growth / socket KiB' },
    { key: 'connectCpu', title: 'CPU while connecting' },
  ];
  const complete = probe.received === probe.expected && probe.report.duplicates === 0;
  return {
    tables: [{ heading: `${tgt.label}, ${opt.protocol}: capacity`, table: markdownTable(columns, rows) }],
    notes: [
      `baseline before any socket: RSS ${kib(rss0)} MiB, live heap ${kib(heap0)} MiB; per-socket figures are growth over it divided by sockets held`,
      `delivery probe after the last step: ${probe.received} of ${probe.expected} expected deliveries, ${probe.report.duplicates} duplicated or out of order, latency ${JSON.stringify(probe.report.latency.summary())} ms`,
      clockNote(probe.clockOffsetsMs),
    ],
    correct: complete && sum(failures) === 0 && rows.every((r) => r.lost === '0'),
  };
}

// ---- fan-out and end to end -------------------------------------------------------------------------------
/**
 * Fan-out: events produced to Kafka, latency from their send time. End to end (`e2e`): milestones released
 * over REST, latency from the commit time the service writes into the event (occurredAt).
 */
async function fanout(meter, rooms, placed, e2e = false) {
  const opened = await openSockets(started.fleet, placed);
  emit({ step: 'open', held: opened.held, failures: opened.failures, connectRate: round(opened.ok / opened.seconds, 0) });
  const rows = [];
  const offsets = [];
  let correct = opened.ok === placed.length;
  const escrowIds = rooms.map((r) => r.id);
  if (!e2e && settings.warmupSeconds > 0) {
    // Every target gets the same warm-up (a JVM's JIT, Node's too): the measured steps see steady state.
    const rate = settings.rates[0];
    const warm = await deliveryStep('warmup', opened.rooms, fromKafka(escrowIds, rate, settings.warmupSeconds));
    const drops = warm.expected - warm.received;
    emit({ step: 'warmup', offered: rate, seconds: settings.warmupSeconds, expected: warm.expected, received: warm.received,
      drops, duplicates: warm.report.duplicates, p99: warm.report.latency.summary().p99 });
    correct &&= drops === 0 && warm.report.duplicates === 0;
  }
  for (const rate of settings.rates) {
    meter.mark();
    const source = e2e ? () => releaseMilestones({ http: tgt.http, rooms, rate, seconds: settings.seconds })
      : fromKafka(escrowIds, rate, settings.seconds);
    const step = await deliveryStep(`rate-${rate}`, opened.rooms, source);
    const cpu = meter.read();
    const latency = step.report.latency.summary();
    const drops = step.expected - step.received;
    const row = {
      offered: rate, achieved: step.produced.achievedRate, sockets: step.report.held,
      deliveriesPerSecond: round(step.received / step.elapsed, 0), expected: step.expected, received: step.received,
      drops, duplicates: step.report.duplicates, lost: reasons(step.report.lost),
      p50: latency.p50, p99: latency.p99, p999: latency.p999, max: latency.max,
      cpu: cpuLine(cpu),
      ackP99: step.produced.ackMs.p99,
    };
    emit({ step: `rate-${rate}`, ...row, sourceFailures: step.produced.failed, strays: step.report.strays, cpuShares: cpu, clockOffsetsMs: step.clockOffsetsMs });
    offsets.push(...step.clockOffsetsMs);
    rows.push(row);
    const failed = step.produced.failed;
    correct &&= drops === 0 && step.report.duplicates === 0 && (typeof failed === 'number' ? failed : sum(failed)) === 0;
    const behind = drops > 0 || step.produced.achievedRate < 0.9 * rate;
    if (!smoke && (latency.p99 > settings.p99Limit || behind)) {
      log(`stopping the ramp at ${rate} events/s: ${behind ? 'deliveries fell behind' : `p99 ${latency.p99} ms > ${settings.p99Limit} ms`}`);
      break;
    }
  }
  const columns = [
    { key: 'offered', title: 'offered events/s' }, { key: 'achieved', title: e2e ? 'committed events/s' : 'produced events/s' },
    { key: 'sockets', title: 'sockets' }, { key: 'deliveriesPerSecond', title: 'deliveries/s' },
    { key: 'expected', title: 'expected' }, { key: 'received', title: 'received' }, { key: 'drops', title: 'drops' },
    { key: 'duplicates', title: 'dup/out of order' }, { key: 'p50', title: 'p50 ms' }, { key: 'p99', title: 'p99 ms' },
    { key: 'p999', title: 'p99.9 ms' }, { key: 'max', title: 'max ms' },
    { key: 'ackP99', title: e2e ? 'REST release p99 ms' : 'producer ack p99 ms' },
    { key: 'cpu', title: 'CPU (of a core)' },
  ];
  return {
    tables: [{ heading: `${tgt.label}, ${opt.protocol}: ${e2e ? 'end to end (REST commit to client)' : 'fan-out'}, ${settings.perRoom} sockets per room`,
      table: markdownTable(columns, rows) }],
    notes: [
      `${opened.held} sockets in ${rooms.length} rooms; connect failures: ${reasons(opened.failures)}; ${settings.seconds} s per step, up to ${settings.drainMs / 1000} s drain`
        + (e2e || !settings.warmupSeconds ? '' : `; ${settings.warmupSeconds} s of warm-up at ${settings.rates[0]} events/s before the first step (not in the table)`),
      e2e ? 'events = escrow:milestone_released from POST .../milestones/{id}/release as the buyer; latency = client receipt minus the event\'s occurredAt (the commit time, whole milliseconds: up to 1 ms high); REST failures by status are in the JSON lines'
        : 'latency = client receipt minus the producer\'s send timestamp in the event data (benchSentAtMs); the Kafka record timestamp is set from the same instant',
      'drops = expected (events sent to a room × sockets subscribed in it) minus received, counted per room; the ramp stops when p99 passes the limit or deliveries fall behind',
      clockNote(offsets),
    ],
    correct,
  };
}

// ---- main -------------------------------------------------------------------------------------------------
let tgt;
let exitCode = 1;
try {
  log(`${scenario}: ${JSON.stringify(settings)}; run files in ${runDir}`);
  tgt = await target();
  started.target = tgt;
  tgt.jvm = tgt.pid != null && /(^|\/)java$/.test(commandLine(tgt.pid)[0] ?? '');
  const meter = new CpuMeter();
  meter.watch('target', tgt.pid);
  meter.watch('broker', tgt.brokerPid);
  meter.watch('runner', process.pid);
  if (scenario === 'e2e' && !tgt.http) throw new Error('e2e needs a target with REST: the gateway, or --rest');
  const env = { RUN_ID: runId, KAFKA: tgt.kafka, EVENT_CLOCK: scenario === 'e2e' ? 'committed' : 'sent' };
  started.producer = new Child('producer', './producer.mjs', env, linesFile);
  meter.watch('producer', started.producer.pid);
  await started.producer.next('ready', 60_000);
  started.fleet = new Fleet(settings.workers, env, linesFile);
  started.fleet.workers.forEach((w, k) => meter.watch(`worker${k}`, w.pid));

  const roomCount = Math.ceil(settings.sockets / settings.perRoom);
  log(`making ${roomCount} rooms${tgt.http ? ' over REST' : ''}`);
  // e2e releases one milestone per event: enough for every step, one spare so no escrow completes
  const milestones = scenario !== 'e2e' ? 1
    : Math.min(100, Math.ceil(settings.rates.reduce((n, r) => n + r * settings.seconds, 0) / roomCount) + 1);
  const rooms = await makeRooms({ count: roomCount, http: tgt.http, tag: runId, milestones, fund: scenario === 'e2e' });
  const placed = placeSockets(rooms, settings.sockets, settings.perRoom);
  const facts = machineFacts({ target: tgt.pid });
  const result = scenario === 'capacity' ? await capacity(meter, rooms, placed)
    : await fanout(meter, rooms, placed, scenario === 'e2e');
  facts['load average at the end'] = loadavg().map((l) => l.toFixed(2)).join(' / ');
  const command = `node bench/loadgen/run.mjs ${process.argv.slice(2).join(' ')}`;
  const written = writeResult({ scenario, title: `${scenario}: ${tgt.label}`, command, facts, tables: result.tables,
    notes: result.notes, resultsDir: opt.results ?? (smoke ? runDir : join(REPO, 'bench/results')) });
  console.log(`\n${written.text}`);
  log(`written ${written.path}`);
  exitCode = !smoke || result.correct ? 0 : 1;
  if (smoke) log(result.correct ? 'smoke: every expected delivery arrived' : 'smoke: FAILED, see the table and notes');
} catch (err) {
  log(`failed: ${err.stack ?? err}`);
  exitCode = 1;
} finally {
  await stopAll();
  clearTimeout(deadline);
}
process.exit(exitCode);
