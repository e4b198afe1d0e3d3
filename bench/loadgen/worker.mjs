// A generator process: holds up to ~9,000 sockets from its own source address, counts what each room
// receives and how late. Commands arrive over IPC from the runner; every answer is one JSON line on stdout.
//
//   {cmd:'open', sockets:[{user, room}], ...}  -> {kind:'opened', ...}  (attempted, ok, failures, seconds)
//   {cmd:'count'}                               -> {kind:'count', total}  (bench events since the last report)
//   {cmd:'report', step, next}                  -> {kind:'report', ...}  (counters since the last report);
//                                                  from then on only events of step `next` count
//   {cmd:'close'}                               -> closes every socket and exits
import { open } from './clients.mjs';
import { tokenCache } from './token.mjs';
import { Histogram, nowMs } from './stats.mjs';

const id = Number(process.env.WORKER_ID ?? 0);
const localAddress = process.env.LOCAL_ADDRESS ?? '127.0.0.1';
const runId = process.env.RUN_ID ?? '';
// 'sent': bench events timed from benchSentAtMs; 'committed': the service's own milestone_released events
// (end to end from REST), timed from their occurredAt
const clock = process.env.EVENT_CLOCK ?? 'sent';
const token = tokenCache();

const sockets = new Set();
let latency = new Histogram();
let received = {}; // room -> bench events received since the last report
let duplicates = 0; // events whose version did not rise on their socket: duplicated or out of order
let lost = {}; // close code -> sockets that were held and then closed
let total = 0; // bench events received since the last report
let currentStep = null; // events of another step (late ones from the step before) count only as strays
let strays = 0;

const print = (line) => process.stdout.write(`${JSON.stringify({ worker: id, pid: process.pid, ...line })}\n`);

function onEvent(socket, room, data) {
  if (clock === 'committed') {
    if (!data.milestoneId || currentStep === null) return; // only releases, only while a step runs
    latency.record(nowMs() - Date.parse(data.occurredAt));
  } else {
    if (data.benchRun !== runId) return; // events the service made itself (party_joined while setting up)
    if (data.benchStep !== currentStep) {
      strays++;
      return;
    }
    latency.record(nowMs() - data.benchSentAtMs);
  }
  received[room] = (received[room] ?? 0) + 1;
  total++;
  if (data.version <= socket.lastVersion) duplicates++;
  socket.lastVersion = data.version;
}

async function openAll({ sockets: wanted, protocol, baseUrl, concurrency, timeoutMs }) {
  const started = nowMs();
  const failures = {};
  const rooms = {}; // room -> sockets opened in it by this command
  let ok = 0;
  let next = 0;
  async function lane() {
    while (next < wanted.length) {
      const { user, room } = wanted[next++];
      const socket = { lastVersion: 0, ws: null };
      try {
        socket.ws = await open({
          protocol, baseUrl, room, localAddress, timeoutMs, token: token(user),
          onEvent: (r, data) => onEvent(socket, r, data),
          onClose: (code) => {
            sockets.delete(socket);
            lost[code] = (lost[code] ?? 0) + 1;
          },
        });
        sockets.add(socket);
        rooms[room] = (rooms[room] ?? 0) + 1;
        ok++;
      } catch (err) {
        failures[err.message] = (failures[err.message] ?? 0) + 1;
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, wanted.length) }, lane));
  print({ kind: 'opened', attempted: wanted.length, ok, failures, rooms, held: sockets.size,
    seconds: (nowMs() - started) / 1000 });
}

function report(step, next) {
  print({ kind: 'report', step, held: sockets.size, lost, duplicates, strays, received, latency: latency.toJSON(),
    clockOffsetMs: nowMs() - Date.now() });
  latency = new Histogram();
  received = {};
  duplicates = 0;
  lost = {};
  total = 0;
  strays = 0;
  currentStep = next ?? null;
}

function closeAll() {
  for (const socket of sockets) socket.ws.terminate();
  process.exit(0);
}

process.on('message', (message) => {
  if (message.cmd === 'open') openAll(message).catch((err) => print({ kind: 'error', message: String(err) }));
  else if (message.cmd === 'count') print({ kind: 'count', total });
  else if (message.cmd === 'report') report(message.step, message.next);
  else if (message.cmd === 'close') closeAll();
});
process.on('disconnect', () => process.exit(0)); // the runner is gone: never outlive it
