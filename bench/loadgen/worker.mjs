// A generator process: holds up to ~9,000 sockets from its own source address, counts what each room
// receives and how late. Commands arrive over IPC from the runner; every answer is one JSON line on stdout.
//
//   {cmd:'open', sockets:[{user, room, url?, fallback?}], resume?, ...}  -> {kind:'opened', ...}  (attempted, ok, failures, seconds)
//   {cmd:'count'}                               -> {kind:'count', total}  (bench events since the last report)
//   {cmd:'status'}                              -> {kind:'status', ...}  (sockets held and down, reconnections)
//   {cmd:'report', step, next}                  -> {kind:'report', ...}  (counters since the last report);
//                                                  from then on only events of step `next` count
//   {cmd:'close'}                               -> closes every socket and exits
//
// With `resume`, a socket that closes reconnects as a well-behaved client does: after a random delay
// (exponential backoff with full jitter, 250 ms doubling to 2 s), to its fallback URL if it has one, else to
// the same URL, subscribing with the last
// event id it saw in its room (or the position of its last subscription), so the server replays what it missed.
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
const BACKOFF_BASE_MS = 250;
const BACKOFF_CAP_MS = 2000;
const RESUME_GIVE_UP_MS = 120_000; // a socket that cannot come back within this stops trying

const sockets = new Set(); // open and subscribed
const down = new Set(); // closed, reconnecting
let latency = new Histogram();
let received = {}; // room -> bench events received since the last report
let duplicates = 0; // events whose version did not rise on their socket: duplicated or out of order
let lost = {}; // close code -> sockets that were held and then closed
let total = 0; // bench events received since the last report
let currentStep = null; // events of another step (late ones from the step before) count only as strays
let strays = 0;
const resumes = { reconnected: 0, recovered: 0, unrecovered: 0, replayed: 0, failures: {}, gaveUp: 0,
  lastDownAtMs: null, lastResubscribedAtMs: null, lastCaughtUpAtMs: null };

const print = (line) => process.stdout.write(`${JSON.stringify({ worker: id, pid: process.pid, ...line })}\n`);

function onEvent(socket, room, data, eventId) {
  if (room === socket.room) {
    if (eventId) socket.lastEventId = eventId;
    if (socket.pendingReplay > 0 && --socket.pendingReplay === 0) caughtUp(socket); // the replay comes first
  }
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

function caughtUp(socket) {
  socket.caughtUpAtMs = nowMs();
  resumes.lastCaughtUpAtMs = Math.max(resumes.lastCaughtUpAtMs ?? 0, socket.caughtUpAtMs);
}

/** Opens (or reopens) one socket; resolves to true when it is subscribed, or to a failure reason. */
async function connect(socket, { protocol, baseUrl, timeoutMs }) {
  try {
    socket.ws = await open({
      protocol, baseUrl: (socket.reconnecting && socket.fallback) || socket.url || baseUrl, room: socket.room, localAddress, timeoutMs, token: token(socket.user),
      lastEventId: socket.lastEventId ?? socket.position,
      onSubscribed: (reply) => {
        socket.position = reply.position;
        socket.pendingReplay = reply.replayed ?? 0;
        if (socket.reconnecting) {
          resumes[reply.recovered ? 'recovered' : 'unrecovered']++;
          resumes.replayed += socket.pendingReplay;
        }
      },
      onEvent: (r, data, eventId) => onEvent(socket, r, data, eventId),
      onClose: (code) => {
        sockets.delete(socket);
        lost[code] = (lost[code] ?? 0) + 1;
        if (socket.resume) reconnectLater(socket);
      },
    });
    sockets.add(socket);
    if (socket.pendingReplay === 0) caughtUp(socket);
    return true;
  } catch (err) {
    return err.message;
  }
}

function reconnectLater(socket) {
  if (!down.has(socket)) {
    down.add(socket);
    socket.reconnecting = true;
    socket.downSinceMs = nowMs();
    socket.attempt = 0;
    resumes.lastDownAtMs = Math.max(resumes.lastDownAtMs ?? 0, socket.downSinceMs);
  }
  const delay = Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** socket.attempt++);
  setTimeout(async () => {
    const outcome = await connect(socket, socket.options);
    if (outcome === true) {
      down.delete(socket);
      resumes.reconnected++;
      resumes.lastResubscribedAtMs = Math.max(resumes.lastResubscribedAtMs ?? 0, nowMs());
    } else if (nowMs() - socket.downSinceMs > RESUME_GIVE_UP_MS) {
      down.delete(socket);
      resumes.gaveUp++;
    } else {
      resumes.failures[outcome] = (resumes.failures[outcome] ?? 0) + 1;
      reconnectLater(socket);
    }
  }, delay);
}

async function openAll({ sockets: wanted, protocol, baseUrl, concurrency, timeoutMs, resume = false }) {
  const started = nowMs();
  const failures = {};
  const rooms = {}; // room -> sockets opened in it by this command
  const options = { protocol, baseUrl, timeoutMs };
  let ok = 0;
  let next = 0;
  async function lane() {
    while (next < wanted.length) {
      const { user, room, url, fallback } = wanted[next++];
      const socket = { user, room, url, fallback, resume, options, lastVersion: 0, lastEventId: undefined, position: undefined,
        pendingReplay: 0, reconnecting: false, ws: null };
      const outcome = await connect(socket, options);
      if (outcome === true) {
        rooms[room] = (rooms[room] ?? 0) + 1;
        ok++;
      } else {
        failures[outcome] = (failures[outcome] ?? 0) + 1;
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, wanted.length) }, lane));
  print({ kind: 'opened', attempted: wanted.length, ok, failures, rooms, held: sockets.size,
    seconds: (nowMs() - started) / 1000 });
}

function status() {
  let caughtUpSockets = 0;
  for (const socket of sockets) if (socket.pendingReplay === 0) caughtUpSockets++;
  print({ kind: 'status', held: sockets.size, down: down.size, caughtUp: caughtUpSockets, ...resumes });
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
  for (const socket of sockets) {
    socket.resume = false;
    socket.ws.terminate();
  }
  process.exit(0);
}

process.on('message', (message) => {
  if (message.cmd === 'open') openAll(message).catch((err) => print({ kind: 'error', message: String(err) }));
  else if (message.cmd === 'count') print({ kind: 'count', total });
  else if (message.cmd === 'status') status();
  else if (message.cmd === 'report') report(message.step, message.next);
  else if (message.cmd === 'close') closeAll();
});
process.on('disconnect', () => process.exit(0)); // the runner is gone: never outlive it
