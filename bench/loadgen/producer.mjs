// The event source: produces valid CloudEvents 1.0 binary records to escrow.events with kafkajs, in its own
// process, at an offered rate, round robin over the escrows given. Each record's data carries the send time
// (benchSentAtMs) that the clients measure latency from; its Kafka timestamp is set from the same instant.
//
//   {cmd:'produce', escrowIds, rate, seconds, step} -> {kind:'produced', sent:{escrowId:n}, ...}
//   {cmd:'close'}                                   -> disconnects and exits
import { randomUUID } from 'node:crypto';
import kafkajs from 'kafkajs';
import { Histogram, nowMs, round } from './stats.mjs';

const { Kafka, Partitioners, logLevel } = kafkajs;
const brokers = (process.env.KAFKA ?? '127.0.0.1:9092').split(',');
const topic = process.env.TOPIC ?? 'escrow.events';
const runId = process.env.RUN_ID ?? '';
const MAX_BATCH = 2000;

const kafka = new Kafka({ clientId: 'bench-producer', brokers, logLevel: logLevel.ERROR });
// kafkajs' default partitioner is the Java client's murmur2: a key lands where the service's own records would
const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
const versions = new Map(); // escrow id -> last version sent, rising across steps as the service expects

const print = (line) => process.stdout.write(`${JSON.stringify({ pid: process.pid, ...line })}\n`);

function record(escrowId, step) {
  const version = (versions.get(escrowId) ?? 0) + 1;
  versions.set(escrowId, version);
  const sentAt = nowMs();
  const time = new Date(sentAt).toISOString();
  const data = { escrowId, version, occurredAt: time, actorId: 'bench-producer', from: 'FUNDED', to: 'FUNDED',
    benchRun: runId, benchStep: step, benchSentAtMs: sentAt };
  return {
    key: escrowId,
    value: JSON.stringify(data),
    timestamp: String(Math.round(sentAt)),
    headers: { ce_specversion: '1.0', ce_id: randomUUID(), ce_type: 'escrow:status_changed', ce_source: '/bench/producer',
      ce_subject: escrowId, ce_time: time, 'content-type': 'application/json' },
  };
}

async function produce({ escrowIds, rate, seconds, step }) {
  const sent = {};
  const ack = new Histogram(); // send -> broker ack, per batch: the Kafka hop's producer side
  let total = 0;
  let failed = 0;
  let next = 0;
  const started = nowMs();
  const endAt = started + seconds * 1000;
  while (nowMs() < endAt) {
    const due = Math.min(MAX_BATCH, Math.floor(((nowMs() - started) / 1000) * rate) - total);
    if (due <= 0) {
      await new Promise((resolve) => setTimeout(resolve, 2));
      continue;
    }
    const messages = [];
    for (let i = 0; i < due; i++) {
      const escrowId = escrowIds[next++ % escrowIds.length];
      messages.push(record(escrowId, step));
      sent[escrowId] = (sent[escrowId] ?? 0) + 1;
    }
    total += due;
    const before = nowMs();
    try {
      await producer.send({ topic, messages, acks: -1 });
      ack.record(nowMs() - before);
    } catch (err) {
      failed += due; // counted as sent above, so receivers show the drop; reported here with its cause
      print({ kind: 'send-error', step, message: String(err) });
    }
  }
  const elapsed = (nowMs() - started) / 1000;
  print({ kind: 'produced', step, total, failed, sent, seconds: round(elapsed), achievedRate: round(total / elapsed, 1),
    ackMs: ack.summary(), clockOffsetMs: round(nowMs() - Date.now()) });
}

process.on('message', (message) => {
  if (message.cmd === 'produce') produce(message).catch((err) => print({ kind: 'error', message: String(err) }));
  else if (message.cmd === 'close') producer.disconnect().finally(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0));

// a target that does not create the topic itself (a peer) finds it made here, partitioned as the service makes it
const admin = kafka.admin();
await admin.connect();
if (!(await admin.listTopics()).includes(topic)) {
  await admin.createTopics({ topics: [{ topic, numPartitions: Number(process.env.PARTITIONS ?? 6) }], waitForLeaders: true });
}
await admin.disconnect();
await producer.connect();
print({ kind: 'ready' });
