// Rooms and the sockets placed in them. Against this service each room is a real escrow created over REST
// (buyer creates, seller and arbiter join), because a user may subscribe only to escrows they are a party
// of; peers authorize nothing, so for them the escrow ids are simply made up.
import { randomUUID } from 'node:crypto';
import { tokenCache } from './token.mjs';

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

async function createEscrow(http, n, tag) {
  const parties = [`bench-${tag}-${n}-buyer`, `bench-${tag}-${n}-seller`, `bench-${tag}-${n}-arbiter`];
  const [buyer, seller, arbiter] = parties;
  const escrow = await call(http, 'POST', '/api/escrows', buyer, {
    title: `bench ${n}`, sellerId: seller, arbiterId: arbiter,
    milestones: [{ title: 'all', amount: { amount: '10.00', currency: 'USD' } }],
  });
  await call(http, 'POST', `/api/escrows/${escrow.id}/join`, seller);
  await call(http, 'POST', `/api/escrows/${escrow.id}/join`, arbiter);
  return { id: escrow.id, parties };
}

/**
 * `count` rooms: [{id, parties:[3 user ids]}]. With `http`, created over REST, `concurrency` at a time;
 * without, made up.
 */
export async function makeRooms({ count, http, tag, concurrency = 8 }) {
  if (!http) {
    return Array.from({ length: count }, (_, n) => ({
      id: randomUUID(), parties: ['buyer', 'seller', 'arbiter'].map((role) => `bench-${tag}-${n}-${role}`),
    }));
  }
  const rooms = new Array(count);
  let next = 0;
  async function lane() {
    while (next < count) {
      const n = next++;
      rooms[n] = await createEscrow(http, n, tag);
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
