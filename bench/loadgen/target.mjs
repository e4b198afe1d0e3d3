// The system under test when the runner owns it: a Kafka broker (tools/kafka/kafka-broker), a fresh
// PostgreSQL database and the packaged gateway jar, all on 127.0.0.1; stopped and dropped by stop().
import { spawn, execFileSync } from 'node:child_process';
import { openSync, mkdirSync } from 'node:fs';
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

/**
 * Starts broker, database and gateway. Returns {url, kafka, pid, brokerPid, jvmOptions, logs, stop()}.
 * `settings` are extra -D options for the gateway; `jvmOptions` go before -jar.
 */
export async function startGateway({ runDir, jar, jvmOptions = [], settings = {}, log = () => {} }) {
  mkdirSync(runDir, { recursive: true });
  const cleanups = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) {
      try { await cleanup(); } catch (err) { log(`cleanup: ${err.message}`); }
    }
    cleanups.length = 0;
  };
  try {
    const [kafkaPort, controllerPort, httpPort] = [await freePort(), await freePort(), await freePort()];
    const brokerLog = join(runDir, 'broker.log');
    const broker = spawn(join(REPO, 'tools/kafka/kafka-broker'), [kafkaPort, controllerPort, join(runDir, 'kafka')],
      { stdio: ['ignore', openSync(brokerLog, 'a'), openSync(brokerLog, 'a')] });
    cleanups.push(() => terminate(broker));
    log(`broker starting on ${kafkaPort} (log ${brokerLog})`);
    await until('broker', 180_000, () => accepts(kafkaPort), () => broker.exitCode === null);
    const brokerPid = await javaChild(broker);

    const database = `bench_${Date.now()}`;
    execFileSync('createdb', [...PG, database]);
    cleanups.push(() => execFileSync('dropdb', [...PG, '--force', '--if-exists', database]));

    const config = {
      'kafka.bootstrap.servers': `127.0.0.1:${kafkaPort}`,
      'quarkus.datasource.jdbc.url': `jdbc:postgresql://127.0.0.1:5432/${database}`,
      'quarkus.datasource.reactive.url': `postgresql://127.0.0.1:5432/${database}`,
      'quarkus.datasource.username': 'postgres',
      'mp.jwt.verify.publickey.location': join(REPO, 'src/main/resources/dev-keys/jwks.json'),
      'mp.jwt.verify.issuer': 'https://dev.escrow-realtime.local',
      'quarkus.http.host': '127.0.0.1',
      'quarkus.http.port': String(httpPort),
      ...settings,
    };
    const gatewayLog = join(runDir, 'gateway.log');
    const args = [...jvmOptions, ...Object.entries(config).map(([k, v]) => `-D${k}=${v}`), '-jar', jar];
    const wrapper = spawn(WATCHED, ['java', ...args],
      { stdio: ['ignore', openSync(gatewayLog, 'a'), openSync(gatewayLog, 'a')] });
    cleanups.push(() => terminate(wrapper));
    log(`gateway starting on ${httpPort} (log ${gatewayLog})`);
    const pid = await javaChild(wrapper);
    await until('gateway ready', 300_000, async () => (await readyStatus(httpPort)) === 200, () => wrapper.exitCode === null);
    return { url: `ws://127.0.0.1:${httpPort}`, http: `http://127.0.0.1:${httpPort}`, kafka: `127.0.0.1:${kafkaPort}`,
      pid, brokerPid, jvmOptions, database, logs: { broker: brokerLog, gateway: gatewayLog }, stop };
  } catch (err) {
    await stop();
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
