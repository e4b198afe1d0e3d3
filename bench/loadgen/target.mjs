// The system under test when the runner owns it: a Kafka broker (tools/kafka/kafka-broker), a fresh
// PostgreSQL database and one or more instances of the packaged gateway jar, or a comparison peer of
// bench/peers/ with its own broker; all on 127.0.0.1, stopped (and the database dropped) by stop().
import { spawn, execFileSync } from 'node:child_process';
import { appendFileSync, openSync, mkdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import kafkajs from 'kafkajs';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { childrenOf, commandLine } from './procstat.mjs';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
const WATCHED = fileURLToPath(new URL('./watched.sh', import.meta.url));
const PG = ['-h', '127.0.0.1', '-p', '5432', '-U', 'postgres'];

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    }).on('error', reject);
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what, timeoutMs, check, alive = () => true) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!alive()) throw new Error(`${what}: the process exited`);
    if (await check()) return;
    await sleep(250);
  }
  throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
}

const accepts = (port) => new Promise((resolve) => {
  const socket = connect(port, '127.0.0.1', () => { socket.destroy(); resolve(true); });
  socket.on('error', () => resolve(false));
});

async function readyStatus(port) {
  try {
    return (await fetch(`http://127.0.0.1:${port}/q/health/ready`, { signal: AbortSignal.timeout(3000) })).status;
  } catch {
    return -1;
  }
}

/** The JVM a script runs, found among its children (beside the watchdog's `sleep`). */
async function javaChild(script) {
  let pid;
  const find = () => (pid = childrenOf(script.pid).find((child) => /(^|\/)java$/.test(commandLine(child)[0] ?? '')));
  await until('java child process', 30_000, () => find() !== undefined, () => script.exitCode === null);
  return pid;
}

/** Runs cleanups in reverse order of registration, each once, logging (not throwing) what fails. */
function cleanupStack(log) {
  const cleanups = [];
  return {
    push: (cleanup) => cleanups.push(cleanup),
    run: async () => {
      for (const cleanup of cleanups.reverse()) {
        try { await cleanup(); } catch (err) { log(`cleanup: ${err.message}`); }
      }
      cleanups.length = 0;
    },
  };
}

/** A Kafka broker (tools/kafka/kafka-broker) on free ports; its stop is pushed onto `cleanups`. */
async function startBroker(runDir, cleanups, log) {
  const [kafkaPort, controllerPort] = [await freePort(), await freePort()];
  const brokerLog = join(runDir, 'broker.log');
  const broker = spawn(join(REPO, 'tools/kafka/kafka-broker'), [kafkaPort, controllerPort, join(runDir, 'kafka')],
    { stdio: ['ignore', openSync(brokerLog, 'a'), openSync(brokerLog, 'a')] });
  cleanups.push(() => terminate(broker));
  log(`broker starting on ${kafkaPort} (log ${brokerLog})`);
  await until('broker', 180_000, () => accepts(kafkaPort), () => broker.exitCode === null);
  return { kafka: `127.0.0.1:${kafkaPort}`, brokerPid: await javaChild(broker), brokerLog };
}

/**
 * One gateway JVM on a fixed port, under the watchdog script. kill() is `kill -9` (no shutdown hook, no
 * goodbye to its sockets); start() again brings up a new JVM on the same port, database and broker.
 */
class GatewayInstance {
  constructor({ name, port, args, runDir, log }) {
    Object.assign(this, { name, port, args, log });
    this.logFile = join(runDir, `${name}.log`);
    this.url = `ws://127.0.0.1:${port}`;
    this.http = `http://127.0.0.1:${port}`;
    this.wrapper = null;
    this.pid = null;
  }

  async start() {
    const wrapper = spawn(WATCHED, ['java', ...this.args],
      { stdio: ['ignore', openSync(this.logFile, 'a'), openSync(this.logFile, 'a')] });
    this.wrapper = wrapper;
    this.log(`${this.name} starting on ${this.port} (log ${this.logFile})`);
    this.pid = await javaChild(wrapper);
    await until(`${this.name} ready`, 300_000, async () => (await readyStatus(this.port)) === 200,
      () => wrapper.exitCode === null);
  }

  kill() {
    process.kill(this.pid, 'SIGKILL');
  }

  stop() {
    return this.wrapper ? terminate(this.wrapper) : undefined;
  }
}

/**
 * Starts broker, database and `instances` gateways sharing them, each on its own port. Returns
 * {url, http, pid (the first instance's), instances, kafka, brokerPid, jvmOptions, logs, stop()}.
 * `settings` are extra -D options for the gateways; `jvmOptions` go before -jar.
 */
export async function startGateway({ runDir, jar, jvmOptions = [], settings = {}, instances = 1, log = () => {} }) {
  mkdirSync(runDir, { recursive: true });
  const cleanups = cleanupStack(log);
  try {
    const { kafka, brokerPid, brokerLog } = await startBroker(runDir, cleanups, log);
    const database = `bench_${Date.now()}_${process.pid}`;
    execFileSync('createdb', [...PG, database]);
    cleanups.push(() => execFileSync('dropdb', [...PG, '--force', '--if-exists', database]));

    const config = {
      'kafka.bootstrap.servers': kafka,
      'quarkus.datasource.jdbc.url': `jdbc:postgresql://127.0.0.1:5432/${database}`,
      'quarkus.datasource.reactive.url': `postgresql://127.0.0.1:5432/${database}`,
      'quarkus.datasource.username': 'postgres',
      'mp.jwt.verify.publickey.location': join(REPO, 'src/main/resources/dev-keys/jwks.json'),
      'mp.jwt.verify.issuer': 'https://dev.escrow-realtime.local',
      'quarkus.http.host': '127.0.0.1',
      ...settings,
    };
    const gateways = [];
    for (let k = 0; k < instances; k++) {
      const port = await freePort();
      const args = [...jvmOptions, ...Object.entries({ ...config, 'quarkus.http.port': String(port) })
        .map(([key, value]) => `-D${key}=${value}`), '-jar', jar];
      const gateway = new GatewayInstance({ name: instances === 1 ? 'gateway' : `gateway${k}`, port, args, runDir, log });
      cleanups.push(() => gateway.stop());
      gateways.push(gateway);
    }
    // one at a time: the first runs the schema migration the others then find done
    for (const gateway of gateways) await gateway.start();
    const [first] = gateways;
    return { url: first.url, http: first.http, kafka, pid: first.pid, brokerPid, jvmOptions, database, instances: gateways,
      logs: { broker: brokerLog, gateway: first.logFile }, stop: cleanups.run };
  } catch (err) {
    await cleanups.run();
    throw err;
  }
}

/** Creates a topic, partitioned as the service makes escrow.events. */
async function createTopic(bootstrap, topic, partitions) {
  const admin = new kafkajs.Kafka({ clientId: 'bench-runner', brokers: [bootstrap], logLevel: kafkajs.logLevel.ERROR }).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

// args: put before the peer's own flags; kafka: false for a peer with no broker at all (it emits the events
// itself, asked over POST /bench/publish); reader: no sockets, the peer is the only reader (commands on stdin).
const PEERS = {
  'socketio-peer': { run: 'bench/peers/socketio-node/run', protocol: 'socketio', label: 'Socket.IO 4.8 on Node (comparison peer)' },
  'socketio-inprocess-peer': { run: 'bench/peers/socketio-node/run', args: ['--publisher', 'inprocess'], kafka: false,
    protocol: 'socketio', label: 'Socket.IO 4.8 on Node, in-process publisher, no Kafka (comparison peer)' },
  'vertx-peer': { run: 'bench/peers/vertx/run', protocol: 'native', label: 'bare Vert.x 4.5 (comparison peer, no authentication)' },
  'plain-consumer': { run: 'bench/peers/vertx/run', args: ['plain-consumer'], reader: true,
    label: 'plain Kafka consumer, no sockets (floor of the Kafka hop)' },
};
export const PEER_NAMES = Object.keys(PEERS);
/** Peers the given scenario can run against: a reader has no sockets, so it has only fan-out. */
export const peerFits = (name, scenario) => ['capacity', 'fanout'].includes(scenario) && !(PEERS[name].reader && scenario !== 'fanout');

/**
 * Asks a peer with a publisher of its own to emit `ratePerSecond` events/s for `seconds` over `rooms`. The peer
 * answers when done, so a step must stay under fetch's 300 s wait for response headers.
 */
async function publishVia(http, request) {
  const response = await fetch(`${http}/bench/publish`, { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request), signal: AbortSignal.timeout((request.seconds + 60) * 1000) });
  const answer = await response.json();
  if (!response.ok) throw new Error(`POST /bench/publish: ${response.status} ${answer.error}`);
  return answer;
}

/**
 * The reader peer's side of the runner's fleet: commands as JSON lines on its stdin, each answered by the next
 * stdout line of that `event`, so the runner counts and collects from it as from its workers.
 */
function readerFleet(child, lines, name) {
  const waiting = [];
  lines.on('line', (text) => {
    let line;
    try { line = JSON.parse(text); } catch { return; }
    const at = waiting.findIndex((w) => w.kind === line.event || line.event === 'error');
    if (at < 0) return;
    const [waiter] = waiting.splice(at, 1);
    if (line.event === 'error') waiter.reject(new Error(`${name}: ${line.message}`));
    else waiter.resolve(line);
  });
  const ask = (command, kind, timeoutMs) => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name}: no '${kind}' within ${timeoutMs / 1000} s`)), timeoutMs);
    waiting.push({ kind, resolve: (v) => { clearTimeout(timer); resolve(v); }, reject: (e) => { clearTimeout(timer); reject(e); } });
    child.stdin.write(`${JSON.stringify(command)}\n`);
  });
  return {
    workers: [],
    all: async (commandFor, kind, timeoutMs) => [await ask(commandFor(0), kind, timeoutMs)],
    stop: async () => {}, // the peer's own cleanup ends it
  };
}

/**
 * Starts a comparison peer of bench/peers/ on a free port, with a broker and escrow.events unless the peer has
 * no Kafka. Returns {url, http, kafka, pid, brokerPid, protocol, label, logs, stop()}, and `publish` for a
 * peer that emits the events itself, `reader` for one with no sockets. A peer exits with its parent.
 */
export async function startPeer({ name, runDir, runId, log = () => {} }) {
  const peer = PEERS[name];
  mkdirSync(runDir, { recursive: true });
  const cleanups = cleanupStack(log);
  try {
    let kafka = null;
    let brokerPid = null;
    let brokerLog = null;
    if (peer.kafka !== false) {
      ({ kafka, brokerPid, brokerLog } = await startBroker(runDir, cleanups, log));
      await createTopic(kafka, 'escrow.events', 6); // the peers subscribe to it at start; the service makes its own
    }
    const port = await freePort();
    const peerLog = join(runDir, `${name}.log`);
    const args = [...(peer.args ?? []), ...(peer.reader ? ['--run', runId] : ['--port', String(port)]),
      ...(kafka ? ['--kafka', kafka] : [])];
    const child = spawn(join(REPO, peer.run), args, { stdio: [peer.reader ? 'pipe' : 'ignore', 'pipe', openSync(peerLog, 'a')] });
    // A reader ends when its stdin does, and prints its totals; SIGTERM only if it does not within 5 s.
    cleanups.push(peer.reader ? async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin.end();
      if (await Promise.race([exited.then(() => true), new Promise((resolve) => setTimeout(resolve, 5000, false))])) return;
      await terminate(child);
    } : () => terminate(child));
    log(`${name} starting${peer.reader ? '' : ` on ${port}`} (log ${peerLog})`);
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (text) => appendFileSync(peerLog, `${text}\n`));
    const started = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name}: no started line within 300 s`)), 300_000);
      lines.on('line', (text) => {
        if (text.includes('"event":"started"')) {
          clearTimeout(timer);
          resolve(JSON.parse(text));
        }
      });
      child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before it started`)));
    });
    const http = `http://127.0.0.1:${port}`;
    return { url: peer.reader ? null : `ws://127.0.0.1:${port}`, http: null, kafka, pid: started.pid ?? child.pid, brokerPid,
      protocol: peer.protocol, label: peer.label, logs: { broker: brokerLog, peer: peerLog }, stop: cleanups.run,
      publish: peer.kafka === false ? (request) => publishVia(http, request) : null,
      reader: peer.reader ? readerFleet(child, lines, name) : null };
  } catch (err) {
    await cleanups.run();
    throw err;
  }
}

/** SIGTERM, then SIGKILL if it is still there after 30 s. */
export async function terminate(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}
