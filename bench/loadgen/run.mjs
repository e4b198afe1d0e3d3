#!/usr/bin/env node
// Scenario runner: one command per scenario (README.md in this directory lists them and their flags).
//
//   node bench/loadgen/run.mjs capacity [--sockets 10000 --steps 4 ...]
//   node bench/loadgen/run.mjs fanout   [--sockets 10000 --rates 500,1000,2000,5000,10000 ...]
//   node bench/loadgen/run.mjs e2e      [--sockets 10000 --rates 1000 ...]
//   node bench/loadgen/run.mjs reconnect [--sockets 10000 --rates 200 --seconds 30 --kill-after 10 ...]
//   node bench/loadgen/run.mjs scaleout [--sockets 97500 --instances 5 --rates 500 ...]
//   node bench/loadgen/run.mjs <scenario> --smoke
//
// It starts (or attaches to) the target (the gateway, or a comparison peer of bench/peers/), forks the workers and the producer, runs the steps, prints one JSON
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
import { machineFacts, writeResult } from './report.mjs';
import { Histogram, nowMs, round } from './stats.mjs';
import { PEER_NAMES, REPO, peerFits, startGateway, startPeer } from './target.mjs';

const SOCKETS_PER_WORKER = 9000; // a process holds at most 20,000 files: stay well under
const SCENARIOS = ['capacity', 'fanout', 'e2e', 'reconnect', 'scaleout'];
const TARGETS = ['gateway', 'attach', ...PEER_NAMES];

const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    target: { type: 'string', default: 'gateway' }, // 'gateway' or a peer (started here), or 'attach'
    url: { type: 'string' }, // attach: ws://127.0.0.1:PORT
    pid: { type: 'string' }, // attach: the target's pid, for CPU/RSS (and heap, if a JVM)
    kafka: { type: 'string' }, // attach: bootstrap servers
    'broker-pid': { type: 'string' },
    rest: { type: 'boolean' }, // attach: create escrows over REST (a gateway); peers need none
    label: { type: 'string' },
    protocol: { type: 'string' }, // native (default), socketio; a peer's own by default
    instances: { type: 'string' }, // scaleout: gateways sharing one broker and database; reconnect: 2 = fail over
    'kill-after': { type: 'string' }, // reconnect: seconds into the step when the gateway is killed
    'rest-concurrency': { type: 'string', default: '16' }, // REST calls in flight while making rooms
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
const peerTarget = PEER_NAMES.includes(opt.target);
if (!SCENARIOS.includes(scenario) || !TARGETS.includes(opt.target) || (opt.protocol && !PROTOCOLS.includes(opt.protocol))
    || (['reconnect', 'scaleout'].includes(scenario) && opt.target !== 'gateway') || (peerTarget && !peerFits(opt.target, scenario))) {
  console.error(`usage: run.mjs <${SCENARIOS.join('|')}> [--smoke] [--target ${TARGETS.join('|')}] `
    + `[--protocol ${PROTOCOLS.join('|')}] ... (see README.md; reconnect and scaleout start the gateway themselves; `
    + 'the peers run capacity and fanout, plain-consumer fanout only)');
  process.exit(64);
}
const smoke = opt.smoke;
const num = (name, normal, small) => Number(opt[name] ?? (smoke ? small : normal));
const settings = {
  sockets: num('sockets', scenario === 'scaleout' ? 97500 : 10000, scenario === 'scaleout' ? 100 : 50),
  instances: scenario === 'scaleout' ? num('instances', 5, 2) : scenario === 'reconnect' ? num('instances', 1, 1) : 1,
  killAfter: num('kill-after', 10, 2),
  restConcurrency: Number(opt['rest-concurrency']),
  workers: Number(opt.workers),
  perRoom: Number(opt['per-room']),
  steps: num('steps', 4, 2),
  settle: num('settle', 10, 1),
  concurrency: Number(opt.concurrency),
  connectTimeoutMs: Number(opt['connect-timeout']) * 1000,
  rates: (opt.rates ?? (smoke ? (scenario === 'reconnect' ? '20' : '20,50')
    : { e2e: '1000', reconnect: '200', scaleout: '500' }[scenario] ?? '500,1000,2000,5000,10000')).split(',').map(Number),
  seconds: num('seconds', scenario === 'reconnect' ? 30 : 10, scenario === 'reconnect' ? 6 : 3),
  warmupSeconds: num('warmup', 15, 0),
  drainMs: Number(opt.drain) * 1000,
  p99Limit: Number(opt['p99-limit']),
  maxSeconds: num('max-seconds', 1800, 300),
};
settings.workers = Math.max(settings.workers, Math.ceil(settings.sockets / SOCKETS_PER_WORKER));
if (settings.workers > 250) throw new Error('at most 250 workers: 127.0.0.2 .. 127.0.0.251');

const runId = `run-${Date.now()}-${process.pid}`; // the pid: smoke runs may start in the same millisecond
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
  if (peerTarget) {
    const peer = await startPeer({ name: opt.target, runDir, runId, log });
    return { ...peer, label: opt.label ?? peer.label };
  }
  // a smoke run checks that every delivery arrives, not speed: C1 only (a start on two thirds of the CPU) and no
  // 3 s readiness-DOWN delay at the stop, unless --jvm-opts or --set say otherwise
  const gatewaySettings = { ...(smoke ? { 'quarkus.shutdown.delay': '0s' } : {}),
    ...Object.fromEntries(opt.set.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])) };
  const jvmOptions = opt['jvm-opts'] ? opt['jvm-opts'].split(' ').filter(Boolean) : smoke ? ['-XX:TieredStopAtLevel=1'] : [];
  const gateway = await startGateway({ runDir, jar: opt.jar, jvmOptions, settings: gatewaySettings,
    instances: settings.instances, log });
  return { ...gateway, label: opt.label ?? 'escrow-realtime (packaged jar)' };
}

// ---- shared steps -----------------------------------------------------------------------------------------
/**
 * Opens `placed` sockets, spread over the workers; returns what the fleet reports, merged. With `resume`,
 * closed sockets reconnect and resume their room (see worker.mjs).
 */
async function openSockets(fleet, placed, resume = false) {
  const shares = fleet.workers.map((_, k) => placed.filter((_, i) => i % fleet.workers.length === k));
  const t0 = performance.now();
  const answers = await fleet.all((k) => ({ cmd: 'open', sockets: shares[k].map(({ user, room, url, fallback }) => ({ user, room, url, fallback })),
    protocol, baseUrl: tgt.url, concurrency: settings.concurrency, timeoutMs: settings.connectTimeoutMs, resume }),
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

/**
 * Sends `rate` events/s for `seconds` over `escrowIds`; answers {sent:{escrowId:n}, ...}. Produced to Kafka,
 * or, for a peer with a publisher of its own (no Kafka), emitted by the peer when asked.
 */
const fromKafka = (escrowIds, rate, seconds) => (step) => (tgt.publish ? fromPeer(escrowIds, rate, seconds, step)
  : started.producer.ask({ cmd: 'produce', escrowIds, rate, seconds, step }, 'produced', (seconds + 60) * 1000));

async function fromPeer(escrowIds, rate, seconds, step) {
  const answer = await tgt.publish({ rooms: escrowIds.map((id) => `escrow:${id}`), ratePerSecond: rate, seconds, step, run: runId });
  const sent = Object.fromEntries(Object.entries(answer.sent).map(([room, n]) => [room.slice('escrow:'.length), n]));
  return { ...answer, sent, ackMs: { p99: null } }; // no broker, so no acknowledgement to time
}

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
/** The workers' CPU summed; null when there are none (a reader target has no sockets). */
const workersShare = (shares) => {
  const workers = Object.entries(shares).filter(([n, v]) => n.startsWith('worker') && v != null);
  return workers.length ? sum(Object.fromEntries(workers)) : null;
};
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
    tables: [{ heading: `${tgt.label}, ${protocol}: capacity`, columns, rows }],
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
  // A reader (the plain consumer) has no sockets: it is the one subscriber of every room.
  const opened = tgt.reader ? { ok: 0, held: 0, failures: {}, rooms: Object.fromEntries(rooms.map((r) => [`escrow:${r.id}`, 1])) }
    : await openSockets(started.fleet, placed);
  if (!tgt.reader) emit({ step: 'open', held: opened.held, failures: opened.failures, connectRate: round(opened.ok / opened.seconds, 0) });
  const rows = [];
  const offsets = [];
  let correct = tgt.reader ? true : opened.ok === placed.length;
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
      cpu: cpuLine(cpu), targetCpu: percent(cpu, 'target'),
      ackP99: step.produced.ackMs?.p99 ?? null,
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
    { key: 'ackP99', title: e2e ? 'REST release p99 ms' : tgt.publish ? 'producer ack p99 ms (none: no Kafka)' : 'producer ack p99 ms' },
    { key: 'cpu', title: 'CPU (of a core)' },
  ];
  return {
    tables: [{ heading: tgt.reader ? `${tgt.label}: fan-out's records, read by one consumer`
      : `${tgt.label}, ${protocol}: ${e2e ? 'end to end (REST commit to client)' : 'fan-out'}, ${settings.perRoom} sockets per room`,
    columns, rows }],
    notes: [
      (tgt.reader ? `no sockets: the consumer is the only reader of the ${rooms.length} rooms' records (deliveries = records read)`
        : `${opened.held} sockets in ${rooms.length} rooms; connect failures: ${reasons(opened.failures)}`)
        + `; ${settings.seconds} s per step, up to ${settings.drainMs / 1000} s drain`
        + (e2e || !settings.warmupSeconds ? '' : `; ${settings.warmupSeconds} s of warm-up at ${settings.rates[0]} events/s before the first step (not in the table)`),
      e2e ? 'events = escrow:milestone_released from POST .../milestones/{id}/release as the buyer; latency = client receipt minus the event\'s occurredAt (the commit time, whole milliseconds: up to 1 ms high); REST failures by status are in the JSON lines'
        : tgt.publish ? 'latency = client receipt minus the emit time in the event data (benchSentAtMs, taken by the peer as it emits: no Kafka hop); the peer\'s CPU includes its publishing'
          : `latency = ${tgt.reader ? 'the consumer\'s receipt of the record' : 'client receipt'} minus the producer's send timestamp in the event data (benchSentAtMs); the Kafka record timestamp is set from the same instant`,
      'drops = expected (events sent to a room × sockets subscribed in it) minus received, counted per room; the ramp stops when p99 passes the limit or deliveries fall behind',
      clockNote(offsets),
    ],
    correct,
  };
}

/**
 * A metric's value from an instance's Prometheus text, or null: `name` plus, if given, a label filter such as
 * `path="hot"` that its label set must contain.
 */
async function metric(http, name, label = '') {
  try {
    const text = await (await fetch(`${http}/q/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
    // the sum of the matching series: a name alone adds up its tags (e.g. both protocols)
    const lines = text.split('\n').filter((l) => (l.startsWith(`${name} `) || l.startsWith(`${name}{`)) && l.includes(label));
    return lines.length ? lines.reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0) : null;
  } catch {
    return null;
  }
}

// ---- reconnect storm --------------------------------------------------------------------------------------
/** Asks every worker for its status; sums the counts, keeps the latest times. */
async function fleetStatus() {
  const answers = await started.fleet.all(() => ({ cmd: 'status' }), 'status', 10_000);
  const merged = { held: 0, down: 0, caughtUp: 0, reconnected: 0, recovered: 0, unrecovered: 0, replayed: 0, gaveUp: 0,
    failures: {}, lastDownAtMs: null, lastResubscribedAtMs: null, lastCaughtUpAtMs: null };
  for (const a of answers) {
    for (const key of ['held', 'down', 'caughtUp', 'reconnected', 'recovered', 'unrecovered', 'replayed', 'gaveUp']) merged[key] += a[key];
    for (const [reason, n] of Object.entries(a.failures)) merged.failures[reason] = (merged.failures[reason] ?? 0) + n;
    for (const key of ['lastDownAtMs', 'lastResubscribedAtMs', 'lastCaughtUpAtMs']) merged[key] = Math.max(merged[key] ?? 0, a[key] ?? 0) || null;
  }
  return merged;
}

/**
 * Every socket resumes its room after its gateway dies: events flow from Kafka at the first rate; after
 * --kill-after s the gateway gets `kill -9` (no goodbye to its sockets). With one instance it is started again
 * at once on the same port, as a supervisor would, and the clients come back to it; with --instances 2 every
 * socket starts on the first and fails over to the second, which runs all along (a balancer's view). Every
 * client reconnects with backoff and subscribes with the last event id it saw. Measures the time from the kill
 * until every socket is back and has its replay, and counts events lost and duplicated.
 */
async function reconnectStorm(meter, rooms, placed) {
  const opened = await openSockets(started.fleet, placed, true);
  emit({ step: 'open', held: opened.held, failures: opened.failures, connectRate: round(opened.ok / opened.seconds, 0) });
  const [gateway] = tgt.instances;
  const failover = tgt.instances.length > 1;
  const rate = settings.rates[0];
  const times = {};
  let recovery = null;
  const storm = async (step) => {
    const producing = fromKafka(rooms.map((r) => r.id), rate, settings.seconds)(step);
    await sleep(settings.killAfter * 1000);
    const killedAt = nowMs();
    gateway.kill();
    if (failover) meter.watch('target', tgt.instances[1].pid); // the one measured from here on
    meter.mark();
    if (failover) {
      log(`kill -9 ${gateway.pid} at ${settings.killAfter} s; its sockets fail over to ${tgt.instances[1].name}`);
    } else {
      log(`kill -9 ${gateway.pid} at ${settings.killAfter} s; starting it again`);
      await gateway.start();
      times.ready = nowMs() - killedAt;
      meter.watch('target', gateway.pid);
      log(`gateway ready again after ${round(times.ready / 1000, 2)} s (pid ${gateway.pid})`);
    }
    const until = killedAt + 120_000;
    while (nowMs() < until) {
      recovery = await fleetStatus();
      // every socket has noticed the kill, come back (or given up) and had its replay
      if (recovery.reconnected + recovery.gaveUp >= opened.ok && recovery.caughtUp >= recovery.held) break;
      await sleep(100);
    }
    times.noticed = recovery.lastDownAtMs - killedAt;
    times.resubscribed = recovery.lastResubscribedAtMs - killedAt;
    times.caughtUp = recovery.lastCaughtUpAtMs - killedAt;
    times.cpu = meter.read();
    const serving = tgt.instances[failover ? 1 : 0].http;
    for (const path of ['hot', 'cold', 'unrecovered']) times[path] = await metric(serving, 'escrow_gateway_replays_total', `path="${path}"`);
    return producing;
  };
  const step = await deliveryStep('storm', opened.rooms, storm);
  const latency = step.report.latency.summary();
  const distinct = step.received - step.report.duplicates;
  const row = {
    sockets: opened.ok, offered: rate, killAfter: settings.killAfter,
    noticed: round(times.noticed / 1000, 2), ready: failover ? 'fail-over' : round(times.ready / 1000, 2), resubscribed: round(times.resubscribed / 1000, 2), caughtUp: round(times.caughtUp / 1000, 2),
    back: recovery.held, gaveUp: recovery.gaveUp, recovered: recovery.recovered, unrecovered: recovery.unrecovered,
    replayed: recovery.replayed, paths: `${times.hot} / ${times.cold} / ${times.unrecovered}`, expected: step.expected, received: distinct, lost: step.expected - distinct,
    duplicates: step.report.duplicates, p50: latency.p50, p99: latency.p99, max: latency.max,
    retries: reasons(recovery.failures), cpu: cpuLine(times.cpu),
  };
  emit({ step: 'storm', ...row, strays: step.report.strays, clockOffsetsMs: step.clockOffsetsMs });
  const columns = [
    { key: 'sockets', title: 'sockets' }, { key: 'offered', title: 'events/s' },
    { key: 'noticed', title: 'every client saw the close s' }, { key: 'ready', title: 'gateway ready again s' },
    { key: 'resubscribed', title: 'every socket resubscribed s' }, { key: 'caughtUp', title: 'every replay delivered s' },
    { key: 'back', title: 'sockets back' }, { key: 'recovered', title: 'recovered' }, { key: 'unrecovered', title: 'not recovered' },
    { key: 'replayed', title: 'events replayed' }, { key: 'paths', title: 'replays hot / cold / not recovered (server)' }, { key: 'expected', title: 'expected' }, { key: 'received', title: 'received once' },
    { key: 'lost', title: 'lost' }, { key: 'duplicates', title: 'dup/out of order' }, { key: 'p99', title: 'p99 ms' },
    { key: 'max', title: 'max ms' }, { key: 'retries', title: 'failed reconnect attempts' }, { key: 'cpu', title: 'CPU from kill to recovery' },
  ];
  return {
    tables: [{ heading: `${tgt.label}, ${protocol}: reconnect storm, ${settings.perRoom} sockets per room`, columns, rows: [row] }],
    notes: [
      `${opened.held} sockets in ${rooms.length} rooms; ${rate} events/s for ${settings.seconds} s; kill -9 of the gateway ${settings.killAfter} s in, `
        + (failover ? `its clients failing over to a second instance (one broker, one database)` : 'started again at once on the same port'),
      'times are from the kill; a client reconnects after a random delay (backoff 250 ms doubling to 2 s, full jitter) and subscribes with the last event id it saw (or its last subscription\'s position)',
      'recovered = subscriptions answered recovered:true; lost = expected (events sent to a room × its sockets) minus distinct events received; latency includes the outage for the events sent while the gateway was down',
      clockNote(step.clockOffsetsMs),
    ],
    correct: opened.ok === placed.length && row.lost === 0 && row.duplicates === 0 && row.unrecovered === 0 && row.gaveUp === 0,
  };
}

// ---- scale-out --------------------------------------------------------------------------------------------

/**
 * Sockets spread over --instances gateways sharing one broker and database (socket i on instance i mod n, so
 * every room has subscribers on several instances); events produced to Kafka; every subscriber on every
 * instance must get every event of its room, counted per room.
 */
async function scaleOut(meter, rooms, placed) {
  const opened = await openSockets(started.fleet, placed);
  emit({ step: 'open', held: opened.held, failures: opened.failures, connectRate: round(opened.ok / opened.seconds, 0) });
  const rate = settings.rates[0];
  meter.mark();
  const step = await deliveryStep('deliver', opened.rooms, fromKafka(rooms.map((r) => r.id), rate, settings.seconds));
  const cpu = meter.read();
  const instanceRows = [];
  for (const [k, instance] of tgt.instances.entries()) {
    const rss = rssKiB(instance.pid);
    instanceRows.push({ instance: instance.name, sockets: await metric(instance.http, 'escrow_gateway_sockets'),
      rssMiB: rss == null ? null : round(rss / 1024, 1), cpu: percent(cpu, `gateway${k}`) });
  }
  const latency = step.report.latency.summary();
  const distinct = step.received - step.report.duplicates;
  const row = {
    instances: tgt.instances.length, sockets: opened.ok, failures: reasons(opened.failures), connectRate: round(opened.ok / opened.seconds, 0),
    offered: rate, deliveriesPerSecond: round(step.received / step.elapsed, 0), expected: step.expected, received: distinct,
    missed: step.expected - distinct, duplicates: step.report.duplicates, closed: reasons(step.report.lost),
    p50: latency.p50, p99: latency.p99, max: latency.max, cpu: cpuLine({ ...cpu, target: sum(Object.fromEntries(
      Object.entries(cpu).filter(([n, v]) => n.startsWith('gateway') && v != null))) }),
  };
  emit({ step: 'deliver', ...row, instanceRows, strays: step.report.strays, clockOffsetsMs: step.clockOffsetsMs });
  const columns = [
    { key: 'instances', title: 'instances' }, { key: 'sockets', title: 'sockets' }, { key: 'failures', title: 'connect failures' },
    { key: 'connectRate', title: 'connect rate /s' }, { key: 'offered', title: 'events/s' },
    { key: 'deliveriesPerSecond', title: 'deliveries/s' }, { key: 'expected', title: 'expected' }, { key: 'received', title: 'received once' },
    { key: 'missed', title: 'missed' }, { key: 'duplicates', title: 'dup/out of order' }, { key: 'closed', title: 'closed after open' },
    { key: 'p50', title: 'p50 ms' }, { key: 'p99', title: 'p99 ms' }, { key: 'max', title: 'max ms' }, { key: 'cpu', title: 'CPU (gateways summed)' },
  ];
  const instanceColumns = [{ key: 'instance', title: 'instance' }, { key: 'sockets', title: 'open sockets (its gauge)' },
    { key: 'rssMiB', title: 'RSS MiB' }, { key: 'cpu', title: 'CPU while delivering' }];
  return {
    tables: [
      { heading: `${tgt.label}, ${protocol}: scale-out over ${tgt.instances.length} instances, ${settings.perRoom} sockets per room`, columns, rows: [row] },
      { heading: 'per instance', columns: instanceColumns, rows: instanceRows },
    ],
    notes: [
      `${opened.held} sockets in ${rooms.length} rooms over ${tgt.instances.length} instances (one broker, one database); ${rate} events/s for ${settings.seconds} s`,
      'every instance consumes every record and delivers to its own sockets; missed = expected (events sent to a room × its sockets on all instances) minus distinct events received',
      clockNote(step.clockOffsetsMs),
    ],
    correct: opened.ok === placed.length && row.missed === 0 && row.duplicates === 0,
  };
}

// ---- main -------------------------------------------------------------------------------------------------
let tgt;
let protocol;
let exitCode = 1;
try {
  log(`${scenario}: ${JSON.stringify(settings)}; run files in ${runDir}`);
  tgt = await target();
  started.target = tgt;
  protocol = opt.protocol ?? tgt.protocol ?? 'native';
  tgt.jvm = tgt.pid != null && /(^|\/)java$/.test(commandLine(tgt.pid)[0] ?? '');
  const meter = new CpuMeter();
  meter.watch('target', tgt.pid);
  if (settings.instances > 1) tgt.instances.forEach((instance, k) => meter.watch(`gateway${k}`, instance.pid));
  meter.watch('broker', tgt.brokerPid);
  meter.watch('runner', process.pid);
  if (scenario === 'e2e' && !tgt.http) throw new Error('e2e needs a target with REST: the gateway, or --rest');
  const env = { RUN_ID: runId, KAFKA: tgt.kafka ?? '', EVENT_CLOCK: scenario === 'e2e' ? 'committed' : 'sent' };
  if (tgt.kafka) { // a peer that publishes in-process has no broker, so no producer either
    started.producer = new Child('producer', './producer.mjs', env, linesFile);
    meter.watch('producer', started.producer.pid);
    await started.producer.next('ready', 60_000);
  }
  started.fleet = tgt.reader ?? new Fleet(settings.workers, env, linesFile);
  started.fleet.workers.forEach((w, k) => meter.watch(`worker${k}`, w.pid));

  const roomCount = Math.ceil(settings.sockets / settings.perRoom);
  log(`making ${roomCount} rooms${tgt.http ? ' over REST' : ''}`);
  // e2e releases one milestone per event: enough for every step, one spare so no escrow completes
  const milestones = scenario !== 'e2e' ? 1
    : Math.min(100, Math.ceil(settings.rates.reduce((n, r) => n + r * settings.seconds, 0) / roomCount) + 1);
  const rooms = await makeRooms({ count: roomCount, http: tgt.instances?.map((i) => i.http) ?? tgt.http, tag: runId,
    milestones, fund: scenario === 'e2e', concurrency: settings.restConcurrency });
  const placed = placeSockets(rooms, settings.sockets, settings.perRoom).map((socket, i) => (scenario === 'reconnect'
    ? { ...socket, url: tgt.instances[0].url, fallback: tgt.instances[1]?.url }
    : { ...socket, url: tgt.instances?.[i % tgt.instances.length].url }));
  const facts = machineFacts({ target: tgt.pid });
  const result = scenario === 'capacity' ? await capacity(meter, rooms, placed)
    : scenario === 'reconnect' ? await reconnectStorm(meter, rooms, placed)
      : scenario === 'scaleout' ? await scaleOut(meter, rooms, placed)
        : await fanout(meter, rooms, placed, scenario === 'e2e');
  facts['load average at the end'] = loadavg().map((l) => l.toFixed(2)).join(' / ');
  const command = `node bench/loadgen/run.mjs ${process.argv.slice(2).join(' ')}`;
  const written = writeResult({ scenario, title: `${scenario}: ${tgt.label}`, label: tgt.label, command, facts, tables: result.tables,
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
