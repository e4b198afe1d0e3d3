#!/usr/bin/env node
// Comparison baseline for the benchmarks, not part of the service: a plain Socket.IO 4.8 server doing the job
// the gateway does, the way a Node service would do it. JWT on the handshake, one room per escrow, every
// record of escrow.events broadcast to its escrow's room. No REST, no party check, no recovery, no replay.
// With --publisher inprocess there is no Kafka at all: the events are emitted by this same process (the design
// where the code that commits a change also emits it), paced by the load generator over POST /bench/publish.
//
//   node server.js [--publisher kafka|inprocess] [--port 3000] [--host 127.0.0.1] [--kafka 127.0.0.1:9092]
//                  [--topic escrow.events] [--public-key PATH] [--issuer ISS] [--audience AUD]
//                  [--ping-interval-ms 25000] [--ping-timeout-ms 20000] [--stats-interval-ms 0] [--no-watch-parent]
//
// Every flag also reads from the environment (PEER_PORT, PEER_HOST, KAFKA_BOOTSTRAP_SERVERS, ...).
// stdout carries only JSON lines: one "started", optional "stats", one "stopped". Logs go to stderr.
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const jwt = require('jsonwebtoken');
const { Kafka, logLevel } = require('kafkajs');
const { Server } = require('socket.io');

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const PUBLISHERS = ['kafka', 'inprocess'];
const MAX_BATCH = 2000; // events emitted in one go at most, as the Kafka producer of bench/loadgen batches them
const MAX_BODY = 8 * 1024 * 1024; // a publish request lists every room of the run

function parseArgs(argv) {
  const env = process.env;
  const opts = {
    port: Number(env.PEER_PORT || 3000),
    host: env.PEER_HOST || '127.0.0.1',
    kafka: env.KAFKA_BOOTSTRAP_SERVERS || '127.0.0.1:9092',
    topic: env.PEER_TOPIC || 'escrow.events',
    publicKey: env.PEER_PUBLIC_KEY || path.join(repoRoot, 'src/main/resources/dev-keys/jwks.json'),
    issuer: env.PEER_ISSUER || 'https://dev.escrow-realtime.local',
    audience: env.PEER_AUDIENCE || 'escrow-realtime',
    pingIntervalMs: Number(env.PEER_PING_INTERVAL_MS || 25000),
    pingTimeoutMs: Number(env.PEER_PING_TIMEOUT_MS || 20000),
    statsIntervalMs: Number(env.PEER_STATS_INTERVAL_MS || 0),
    watchParent: env.PEER_WATCH_PARENT !== 'false',
    publisher: env.PEER_PUBLISHER || 'kafka',
  };
  const names = {
    '--publisher': ['publisher', String],
    '--port': ['port', Number], '--host': ['host', String], '--kafka': ['kafka', String],
    '--topic': ['topic', String], '--public-key': ['publicKey', String], '--issuer': ['issuer', String],
    '--audience': ['audience', String], '--ping-interval-ms': ['pingIntervalMs', Number],
    '--ping-timeout-ms': ['pingTimeoutMs', Number], '--stats-interval-ms': ['statsIntervalMs', Number],
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--no-watch-parent') { opts.watchParent = false; continue; }
    const [flag, inline] = arg.split(/=(.*)/s, 2);
    const spec = names[flag];
    if (!spec) throw new Error(`unknown flag ${arg}`);
    const value = inline !== undefined ? inline : argv[++i];
    if (value === undefined) throw new Error(`flag ${flag} needs a value`);
    opts[spec[0]] = spec[1](value);
  }
  if (!PUBLISHERS.includes(opts.publisher)) throw new Error(`bad --publisher: ${opts.publisher} (${PUBLISHERS.join('|')})`);
  for (const key of ['port', 'pingIntervalMs', 'pingTimeoutMs', 'statsIntervalMs']) {
    if (!Number.isInteger(opts[key]) || opts[key] < 0) throw new Error(`bad ${key}: ${opts[key]}`);
  }
  return opts;
}

// The dev public key, from a JWKS (the RSA key "dev-rsa") or a PEM file.
function loadPublicKey(file) {
  const text = fs.readFileSync(file, 'utf8');
  if (text.trimStart().startsWith('{')) {
    const jwks = JSON.parse(text);
    const jwk = (jwks.keys || [jwks]).find((k) => k.kty === 'RSA');
    if (!jwk) throw new Error(`no RSA key in ${file}`);
    return crypto.createPublicKey({ key: jwk, format: 'jwk' });
  }
  return crypto.createPublicKey(text); // a public key PEM, or a private key PEM whose public half is taken
}

function printJson(obj) {
  process.stdout.write(JSON.stringify({ peer: 'socketio-node', ts: Date.now(), ...obj }) + '\n');
}

function logErr(level, message, extra) {
  process.stderr.write(JSON.stringify({ level, message, ...extra }) + '\n');
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
// The load generator's clock: epoch ms with a fraction, from the high-resolution clock (bench/loadgen/stats.mjs).
const nowMs = () => performance.timeOrigin + performance.now();
const isLoopback = (address) => /^(127\.|::ffff:127\.|::1$)/.test(address || '');

// Kafka publisher: a consumer of every partition from the latest offset, a fresh random group each start,
// nothing committed; each record broadcast to room escrow:<key>. Resolves once it is ready.
async function startKafkaPublisher(io, opts, counters, stop) {
  const kafka = new Kafka({
    clientId: 'bench-peer-socketio-' + process.pid,
    brokers: opts.kafka.split(','),
    logLevel: logLevel.WARN,
    logCreator: () => ({ level, log }) => logErr(level === logLevel.ERROR ? 'error' : 'warn', log.message, { kafka: log }),
  });
  // maxWaitTimeInMs as the Java consumer's fetch.max.wait.ms (an idle fetch's length; no added latency).
  const consumer = kafka.consumer({ groupId: 'bench-peer-socketio-' + crypto.randomUUID(), maxWaitTimeInMs: 500 });
  // Ready after the first fetch that follows the join: by then the latest offsets are resolved, so a record
  // produced after the start line is never skipped.
  let assignment = null;
  let fetched;
  const firstFetch = new Promise((resolve) => { fetched = resolve; });
  consumer.on(consumer.events.GROUP_JOIN, (e) => { assignment = e.payload.memberAssignment; });
  consumer.on(consumer.events.FETCH, () => { if (assignment) fetched(assignment); });

  await consumer.connect();
  await consumer.subscribe({ topics: [opts.topic], fromBeginning: false });
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: 1,
    eachBatchAutoResolve: true,
    eachBatch: async ({ batch }) => {
      for (const message of batch.messages) {
        counters.records++;
        const type = message.headers && message.headers.ce_type;
        if (!type || !message.key || !message.value) { counters.badRecords++; continue; }
        let data;
        try { data = JSON.parse(message.value.toString('utf8')); } catch { counters.badRecords++; continue; }
        const room = 'escrow:' + message.key.toString('utf8');
        // Encoded once by the adapter and written to every socket of the room.
        io.to(room).emit(type.toString('utf8'), { id: `${batch.partition}-${message.offset}`, room, data });
        counters.broadcasts++;
      }
    },
  });
  consumer.on(consumer.events.CRASH, (e) => {
    logErr('error', 'kafka consumer crashed', { error: String(e.payload.error) });
    if (!e.payload.restart) stop('consumer-crash');
  });
  const startTimeout = setTimeout(() => { logErr('error', 'Kafka consumer not ready after 60 s'); process.exit(1); }, 60000);
  await firstFetch;
  clearTimeout(startTimeout);
  return {
    started: { kafka: opts.kafka, topic: opts.topic, partitions: (assignment[opts.topic] || []).length },
    handle: null,
    close: () => consumer.disconnect(),
  };
}

// In-process publisher: no broker between the change and its sockets. POST /bench/publish (loopback only)
// {rooms: ["escrow:<id>", ...], ratePerSecond, seconds, step, run} emits, round robin over the rooms and paced
// as the load generator's Kafka producer is, io.to(room).emit("escrow:status_changed", {id, room, data}) with
// the data that producer puts in its records (rising version per escrow, benchSentAtMs taken at the emit), and
// answers once done with what it emitted per room. One publish at a time.
function startInProcessPublisher(io, counters) {
  const versions = new Map(); // escrow id -> last version emitted, rising across requests
  let seq = 0;
  let busy = false;
  let stopped = false;

  function emitOne(room, run, step) {
    const escrowId = room.slice('escrow:'.length);
    const version = (versions.get(escrowId) || 0) + 1;
    versions.set(escrowId, version);
    const sentAt = nowMs();
    const data = { escrowId, version, occurredAt: new Date(sentAt).toISOString(), actorId: 'bench-publisher',
      from: 'FUNDED', to: 'FUNDED', benchRun: run, benchStep: step, benchSentAtMs: sentAt };
    io.to(room).emit('escrow:status_changed', { id: String(++seq), room, data });
    counters.broadcasts++;
  }

  async function publish({ rooms, ratePerSecond: rate, seconds, step, run }) {
    const sent = {};
    let total = 0;
    let next = 0;
    const started = nowMs();
    const endAt = started + seconds * 1000;
    while (!stopped && nowMs() < endAt) {
      const due = Math.min(MAX_BATCH, Math.floor(((nowMs() - started) / 1000) * rate) - total);
      if (due <= 0) {
        await sleep(1); // lets the sockets' writes and pings through between batches
        continue;
      }
      for (let i = 0; i < due; i++) {
        const room = rooms[next++ % rooms.length];
        emitOne(room, run, step);
        sent[room] = (sent[room] || 0) + 1;
      }
      total += due;
    }
    const elapsed = (nowMs() - started) / 1000;
    return { sent, total, failed: 0, seconds: elapsed, achievedRate: Math.round((total / elapsed) * 10) / 10,
      clockOffsetMs: nowMs() - Date.now() };
  }

  function valid(body) {
    return body && Array.isArray(body.rooms) && body.rooms.length > 0
      && body.rooms.every((r) => typeof r === 'string' && r.startsWith('escrow:') && r.length > 7 && r.length <= 200)
      && Number.isFinite(body.ratePerSecond) && body.ratePerSecond > 0 && body.ratePerSecond <= 1e6
      && Number.isFinite(body.seconds) && body.seconds > 0 && body.seconds <= 3600;
  }

  function answer(res, status, body) {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  }

  // Requests that Socket.IO does not take (everything outside /socket.io/).
  function handle(req, res) {
    if (req.url !== '/bench/publish') return false;
    if (!isLoopback(req.socket.remoteAddress)) { answer(res, 403, { error: 'loopback only' }); return true; }
    if (req.method !== 'POST') { answer(res, 405, { error: 'POST only' }); return true; }
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY) { answer(res, 413, { error: 'too large' }); req.destroy(); } else chunks.push(chunk);
    });
    req.on('end', async () => {
      if (size > MAX_BODY) return;
      let body;
      try { body = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { body = null; }
      if (!valid(body)) return answer(res, 400, { error: 'want {rooms:["escrow:<id>",...], ratePerSecond, seconds, step?, run?}' });
      if (busy) return answer(res, 409, { error: 'a publish is running' });
      busy = true;
      try {
        answer(res, 200, await publish({ ...body, step: body.step ?? null, run: body.run ?? null }));
      } catch (e) {
        answer(res, 500, { error: String(e) });
      } finally {
        busy = false;
      }
    });
    return true;
  }

  return { started: { publish: '/bench/publish' }, handle, close: async () => { stopped = true; } };
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const publicKey = loadPublicKey(opts.publicKey);
  const counters = { connections: 0, rejected: 0, subscribes: 0, records: 0, badRecords: 0, broadcasts: 0 };

  let publisher = null;
  const httpServer = http.createServer((req, res) => {
    if (!(publisher && publisher.handle && publisher.handle(req, res))) res.writeHead(404).end();
  });
  const io = new Server(httpServer, {
    serveClient: false,
    perMessageDeflate: false, // compression off, as for the service's reference figures
    httpCompression: false,
    maxHttpBufferSize: 64 * 1024, // the service's limit on a client frame
    pingInterval: opts.pingIntervalMs,
    pingTimeout: opts.pingTimeoutMs,
  });

  // The token is checked once, on the Socket.IO handshake (CONNECT auth {token}).
  io.use((socket, next) => {
    const token = socket.handshake.auth && socket.handshake.auth.token;
    if (typeof token !== 'string' || token.length === 0) {
      counters.rejected++;
      return next(new Error('unauthorized'));
    }
    jwt.verify(token, publicKey, { algorithms: ['RS256'], issuer: opts.issuer, audience: opts.audience },
      (err, claims) => {
        if (err || typeof claims.sub !== 'string' || claims.sub.length === 0) {
          counters.rejected++;
          return next(new Error('unauthorized'));
        }
        socket.data.sub = claims.sub;
        next();
      });
  });

  io.on('connection', (socket) => {
    counters.connections++;
    socket.join('user:' + socket.data.sub);
    socket.on('subscribe', (payload, ack) => {
      const room = payload && payload.room;
      const reply = typeof ack === 'function' ? ack : () => {};
      if (typeof room !== 'string' || room.length === 0 || room.length > 200) {
        return reply({ ok: false, error: 'bad_room' });
      }
      socket.join(room);
      counters.subscribes++;
      reply({ ok: true, room });
    });
    socket.on('unsubscribe', (payload, ack) => {
      const room = payload && payload.room;
      if (typeof room === 'string') socket.leave(room);
      if (typeof ack === 'function') ack({ ok: true, room });
    });
  });

  let statsTimer;
  let stopping = false;
  async function stop(reason) {
    if (stopping) return;
    stopping = true;
    clearInterval(statsTimer);
    const sockets = io.engine.clientsCount;
    // Bounded: a broker that is gone must not keep the process alive.
    const forced = setTimeout(() => {
      printJson({ event: 'stopped', reason, forced: true, sockets, ...counters });
      process.exit(0);
    }, 5000);
    if (publisher) {
      try { await publisher.close(); } catch (e) { logErr('warn', 'publisher close failed', { error: String(e) }); }
    }
    io.close();
    clearTimeout(forced);
    printJson({ event: 'stopped', reason, sockets, ...counters });
    process.exit(0);
  }
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));

  publisher = opts.publisher === 'kafka' ? await startKafkaPublisher(io, opts, counters, stop)
    : startInProcessPublisher(io, counters);

  await new Promise((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(opts.port, opts.host, resolve);
  });
  const port = httpServer.address().port;
  printJson({ event: 'started', pid: process.pid, port, host: opts.host, publisher: opts.publisher, ...publisher.started,
    node: process.version, socketio: require('socket.io/package.json').version });

  if (opts.statsIntervalMs > 0) {
    statsTimer = setInterval(() => printJson({ event: 'stats', sockets: io.engine.clientsCount, ...counters }),
      opts.statsIntervalMs);
  }

  // Ends with whoever started it, so that a crashed orchestrator leaves no server behind.
  if (opts.watchParent) {
    const parent = process.ppid;
    setInterval(() => { if (process.ppid !== parent) stop('parent-gone'); }, 1000).unref();
  }
}

main().catch((e) => {
  logErr('error', 'start failed', { error: String(e && e.stack || e) });
  process.exit(1);
});
