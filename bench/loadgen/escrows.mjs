// Rooms and the sockets placed in them. Against this service each room is a real escrow created over REST
// (buyer creates, seller and arbiter join), because a user may subscribe only to escrows they are a party
// of; peers authorize nothing, so for them the escrow ids are simply made up.
import { randomUUID } from 'node:crypto';
import { tokenCache } from './token.mjs';
import { Histogram, nowMs, round } from './stats.mjs';

const token = tokenCache();

async function call(http, method, path, user, body) {
  const response = await fetch(`${http}${path}`, {
    method,
    headers: { Authorization: `Bearer ${token(user)}`, 'Content-Type': 'application/json' },
    body: body && JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path} as ${user}: ${response.status} ${text.slice(0, 200)}`);
  return text ? JSON.parse(text) : {};
}

async function createEscrow(http, n, tag, milestones, fund) {
  const parties = [`bench-${tag}-${n}-buyer`, `bench-${tag}-${n}-seller`, `bench-${tag}-${n}-arbiter`];
  const [buyer, seller, arbiter] = parties;
  const escrow = await call(http, 'POST', '/api/escrows', buyer, {
    title: `bench ${n}`, sellerId: seller, arbiterId: arbiter,
    milestones: Array.from({ length: milestones }, (_, m) => ({ title: `part ${m}`, amount: { amount: '10.00', currency: 'USD' } })),
  });
  await call(http, 'POST', `/api/escrows/${escrow.id}/join`, seller);
  await call(http, 'POST', `/api/escrows/${escrow.id}/join`, arbiter);
  if (fund) await call(http, 'POST', `/api/escrows/${escrow.id}/fund`, buyer);
  return { id: escrow.id, parties, milestones: escrow.milestones.map((m) => m.id) };
}

/**
 * `count` rooms: [{id, parties:[3 user ids], milestones}]. With `http` (a base URL, or several instances' to
 * spread the calls over), created over REST, `concurrency` at a time, with `milestones` milestones each and
 * funded when `fund`; without, made up.
 */
export async function makeRooms({ count, http, tag, concurrency = 8, milestones = 1, fund = false }) {
  if (!http) {
    return Array.from({ length: count }, (_, n) => ({
      id: randomUUID(), parties: ['buyer', 'seller', 'arbiter'].map((role) => `bench-${tag}-${n}-${role}`),
    }));
  }
  const hosts = [http].flat();
  const rooms = new Array(count);
  let next = 0;
  async function lane() {
    while (next < count) {
      const n = next++;
      rooms[n] = await createEscrow(hosts[n % hosts.length], n, tag, milestones, fund);
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  return rooms;
}

/** Socket i sits in room floor(i / perRoom), as the room's parties in turn (10 per room: 4, 3, 3). */
export function placeSockets(rooms, sockets, perRoom) {
  return Array.from({ length: sockets }, (_, i) => {
    const room = rooms[Math.floor(i / perRoom)];
    return { user: room.parties[i % room.parties.length], room: `escrow:${room.id}`, escrowId: room.id };
  });
}

/**
 * The end-to-end source: releases milestones over REST at `rate` per second for `seconds`, round robin over
 * the rooms (each release commits one escrow:milestone_released event), at most `inFlight` calls at a time
 * and one per escrow (calls on one escrow only queue behind each other's row lock).
 * Answers as the producer does: {sent:{escrowId:n}, achievedRate, ackMs (call -> commit answered), failed}.
 */
export async function releaseMilestones({ http, rooms, rate, seconds, inFlight: most = 64 }) {
  const inFlight = Math.min(most, rooms.length);
  const sent = {};
  const failed = {};
  const commit = new Histogram();
  let issued = 0;
  let running = 0;
  let next = 0;
  const calls = new Set();
  const started = nowMs();
  const endAt = started + seconds * 1000;
  while (nowMs() < endAt) {
    const due = Math.floor(((nowMs() - started) / 1000) * rate) - issued;
    const room = rooms[next % rooms.length];
    if (due <= 0 || running >= inFlight) {
      await new Promise((resolve) => setTimeout(resolve, 1));
      continue;
    }
    next++;
    if (room.busy) continue;
    const milestone = room.milestones.shift();
    if (!milestone) {
      if (rooms.every((r) => r.milestones.length === 0)) break; // all used up: nothing left to release
      continue; // this room is used up; the others go on
    }
    issued++;
    running++;
    room.busy = true;
    const before = nowMs();
    const call_ = call(http, 'POST', `/api/escrows/${room.id}/milestones/${milestone}/release`, room.parties[0])
      .then(() => {
        commit.record(nowMs() - before);
        sent[room.id] = (sent[room.id] ?? 0) + 1;
      })
      .catch((err) => {
        const reason = /: (\d{3}) /.exec(err.message)?.[1] ?? 'error';
        failed[reason] = (failed[reason] ?? 0) + 1;
      })
      .finally(() => {
        running--;
        room.busy = false;
        calls.delete(call_);
      });
    calls.add(call_);
  }
  await Promise.all(calls);
  const elapsed = (nowMs() - started) / 1000;
  const total = Object.values(sent).reduce((a, b) => a + b, 0);
  return { sent, total, failed, seconds: round(elapsed), achievedRate: round(total / elapsed, 1), ackMs: commit.summary(),
    clockOffsetMs: round(nowMs() - Date.now()) };
}
