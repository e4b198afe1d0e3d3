#!/usr/bin/env node
// A few-socket check of a comparison peer (or anything speaking the same protocols): sockets subscribe to
// two rooms, records are produced to Kafka, each socket must get its room's events and only those.
//
//   node check-client.js create-topic --kafka HOST:PORT [--topic escrow.events] [--partitions 6]
//   node check-client.js check --protocol socketio|native --url ws://127.0.0.1:PORT --kafka HOST:PORT
//                              [--topic escrow.events] [--timeout-ms 20000] [--room-size 2]
//
// Prints one JSON line with the outcome and exits 0 only when every expectation held. Bounded in time.
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const jwt = require('jsonwebtoken');
const { Kafka, logLevel } = require('kafkajs');
const WebSocket = require('ws');

const repoRoot = path.resolve(__dirname, '..', '..', '..');

function args(argv) {
  const out = { _: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i].startsWith('--')) out[argv[i].slice(2)] = argv[++i];
    else out._.push(argv[i]);
  }
  return out;
}

function kafkaClient(brokers) {
  return new Kafka({
    clientId: 'bench-peer-check', brokers: brokers.split(','), logLevel: logLevel.ERROR,
    logCreator: () => ({ log }) => process.stderr.write(JSON.stringify(log) + '\n'),
  });
}

function token(sub) {
  const key = fs.readFileSync(path.join(repoRoot, 'src/main/resources/dev-keys/rsa-private.pem'));
  return jwt.sign({ sub }, key, {
    algorithm: 'RS256', keyid: 'dev-rsa', issuer: 'https://dev.escrow-realtime.local',
    audience: 'escrow-realtime', expiresIn: 600,
  });
}

// One client socket of either protocol; collects the events it receives, in order.
function openClient(protocol, url, sub, tokenValue) {
  const events = [];
  const waiters = [];
  let ackId = 0;
  const acks = new Map();
  const notify = () => { for (const w of waiters.splice(0)) w(); };
  const headers = protocol === 'native' ? { Authorization: 'Bearer ' + tokenValue } : {};
  const target = protocol === 'native' ? url + '/ws' : url + '/socket.io/?EIO=4&transport=websocket';
  const ws = new WebSocket(target, { headers, perMessageDeflate: false });
  const client = { sub, events, ws, state: 'opening', connectError: null };

  const ready = new Promise((resolve, reject) => {
    ws.on('error', reject);
    ws.on('close', () => reject(new Error('closed before ready')));
    ws.on('message', (raw) => {
      const text = raw.toString('utf8');
      if (protocol === 'native') {
        const msg = JSON.parse(text);
        if (msg.type === 'welcome') { client.state = 'ready'; resolve(); return; }
        if (msg.type === 'subscribed' || msg.type === 'error') {
          const done = acks.get(msg.ref); acks.delete(msg.ref); if (done) done(msg); return;
        }
        events.push({ type: msg.type, room: msg.room, id: msg.id, data: msg.data });
        notify();
        return;
      }
      // Engine.IO v4 / Socket.IO v5, raw frames.
      if (text[0] === '0') { ws.send('40' + JSON.stringify({ token: tokenValue })); return; }
      if (text === '2') { ws.send('3'); return; }
      if (text.startsWith('40')) { client.state = 'ready'; resolve(); return; }
      if (text.startsWith('44')) { client.connectError = JSON.parse(text.slice(2)); resolve(); return; }
      if (text.startsWith('43')) {
        const m = /^43(\d+)(.*)$/s.exec(text);
        const done = acks.get(m[1]); acks.delete(m[1]); if (done) done(JSON.parse(m[2])[0]); return;
      }
      if (text.startsWith('42')) {
        const [type, body] = JSON.parse(text.slice(2));
        events.push({ type, room: body.room, id: body.id, data: body.data });
        notify();
      }
    });
  });

  client.ready = ready;
  client.subscribe = (room) => new Promise((resolve) => {
    const id = String(++ackId);
    acks.set(id, resolve);
    if (protocol === 'native') ws.send(JSON.stringify({ op: 'subscribe', room, ref: id }));
    else ws.send('42' + id + JSON.stringify(['subscribe', { room }]));
  });
  client.waitFor = (predicate, timeoutMs) => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting on ${sub}`)), timeoutMs);
    const check = () => {
      const hit = events.find(predicate);
      if (hit) { clearTimeout(timer); resolve(hit); } else waiters.push(check);
    };
    check();
  });
  client.close = () => ws.terminate();
  return client;
}

function record(escrowId, seq) {
  const now = new Date();
  return {
    key: escrowId,
    partition: 0, // one partition for every check record: the peers keep a partition's order per socket
    headers: {
      ce_specversion: '1.0', ce_id: crypto.randomUUID(), ce_type: 'escrow:status_changed',
      ce_source: '/bench/peer-check', ce_subject: escrowId, ce_time: now.toISOString(),
      'content-type': 'application/json',
    },
    value: JSON.stringify({
      escrowId, version: seq, occurredAt: now.toISOString(), actorId: 'check-buyer', from: 'created',
      to: 'funded', benchSentAtMs: performance.timeOrigin + performance.now(), seq,
    }),
  };
}

async function createTopic(opts) {
  const admin = kafkaClient(opts.kafka).admin();
  await admin.connect();
  try {
    const created = await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic: opts.topic || 'escrow.events', numPartitions: Number(opts.partitions || 6), replicationFactor: 1 }],
    });
    const meta = await admin.fetchTopicMetadata({ topics: [opts.topic || 'escrow.events'] });
    console.log(JSON.stringify({ event: 'topic', created, topic: meta.topics[0].name, partitions: meta.topics[0].partitions.length }));
  } finally {
    await admin.disconnect();
  }
}

async function check(opts) {
  const protocol = opts.protocol;
  const timeoutMs = Number(opts['timeout-ms'] || 20000);
  const deadline = setTimeout(() => { console.log(JSON.stringify({ event: 'check', protocol, ok: false, error: 'deadline' })); process.exit(1); }, timeoutMs + 5000);
  const failures = [];
  const expect = (cond, what) => { if (!cond) failures.push(what); };
  const roomA = crypto.randomUUID(); const roomB = crypto.randomUUID();
  // room-size sockets in room A (sharing one encoded frame per event), one socket in room B.
  const roomSize = Math.min(Math.max(Number(opts['room-size'] || 2), 1), 200);
  const subs = Array.from({ length: roomSize }, (_, i) => 'check-party-' + i).concat(['check-other']);
  const clients = subs.map((sub) => openClient(protocol, opts.url, sub, token(sub)));
  const inA = clients.slice(0, roomSize); const inB = clients[roomSize];
  const producer = kafkaClient(opts.kafka).producer({ allowAutoTopicCreation: false });
  try {
    await Promise.all(clients.map((c) => c.ready));
    expect(clients.every((c) => c.state === 'ready'), 'all sockets ready');
    const acks = await Promise.all(clients.map((c) => c.subscribe('escrow:' + (c === inB ? roomB : roomA))));
    for (const [i, ack] of acks.entries()) {
      const room = 'escrow:' + (i < roomSize ? roomA : roomB);
      if (protocol === 'native') expect(ack.type === 'subscribed' && ack.room === room, `subscribed reply ${JSON.stringify(ack)}`);
      else expect(ack.ok === true, `ack ok ${JSON.stringify(ack)}`);
    }

    let rejected = null;
    if (protocol === 'socketio') { // a bad token must not connect
      const bad = openClient(protocol, opts.url, 'intruder', token('intruder').slice(0, -4) + 'AAAA');
      await bad.ready;
      rejected = bad.connectError;
      expect(bad.state !== 'ready' && rejected && rejected.message === 'unauthorized', `bad token refused ${JSON.stringify(rejected)}`);
      bad.close();
    }

    await producer.connect();
    const sentAt = Date.now();
    // A, then B, then A again, all on one partition: when a socket sees the later event of its own room,
    // an event of the other room wrongly sent to it would already have arrived.
    const messages = [record(roomA, 1), record(roomB, 2), record(roomA, 3)];
    const sent = Object.fromEntries(messages.map((m) => [JSON.parse(m.value).seq, JSON.parse(m.value)]));
    // Two records a peer must skip (counted as badRecords), ahead of the good ones: a value that is not
    // JSON, and one without a ce_type header.
    const notJson = { ...record(roomA, 0), value: 'not json' };
    const noType = record(roomA, 0);
    delete noType.headers.ce_type;
    await producer.send({ topic: opts.topic || 'escrow.events', messages: [notJson, noType, ...messages] });
    const lastOfA = await Promise.all(inA.map((c) => c.waitFor((e) => e.data && e.data.seq === 3, timeoutMs)));
    const lastOfB = await inB.waitFor((e) => e.data && e.data.seq === 2, timeoutMs);
    const latencyMs = Date.now() - sentAt;
    for (const c of inA) {
      expect(c.events.map((e) => e.data.seq).join(',') === '1,3', `${c.sub} got ${c.events.map((e) => e.data.seq)}`);
    }
    expect(inB.events.map((e) => e.data.seq).join(',') === '2', `${inB.sub} got ${inB.events.map((e) => e.data.seq)}`);
    for (const e of clients.flatMap((c) => c.events)) {
      expect(e.type === 'escrow:status_changed', `type ${e.type}`);
      expect(e.room === 'escrow:' + e.data.escrowId, `room ${e.room}`);
      expect(/^0-\d+$/.test(e.id), `id ${e.id}`);
      expect(e.data.actorId === 'check-buyer' && typeof e.data.benchSentAtMs === 'number', 'data carried whole');
      expect(JSON.stringify(e.data) === JSON.stringify(sent[e.data.seq]), `data of ${e.data.seq} unchanged`);
    }
    console.log(JSON.stringify({
      event: 'check', protocol, url: opts.url, ok: failures.length === 0, failures, sockets: clients.length,
      deliveries: clients.reduce((n, c) => n + c.events.length, 0), ids: [lastOfA[0].id, lastOfB.id], rejectedBadToken: rejected, latencyMs,
    }));
    return failures.length === 0;
  } finally {
    clearTimeout(deadline);
    for (const c of clients) c.close();
    await producer.disconnect();
  }
}

async function main() {
  const opts = args(process.argv.slice(2));
  if (opts._[0] === 'create-topic') return createTopic(opts);
  if (opts._[0] === 'check') { if (!(await check(opts))) process.exitCode = 1; return; }
  throw new Error('usage: check-client.js create-topic|check ...');
}

main().catch((e) => {
  console.log(JSON.stringify({ event: 'error', ok: false, error: String(e && e.message || e) }));
  process.exit(1);
});
