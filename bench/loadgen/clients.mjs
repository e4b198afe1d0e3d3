// One client socket in either protocol, down to the frames: the native /ws JSON protocol, or Engine.IO v4 /
// Socket.IO v5 over WebSocket only (raw frames, so that a worker can hold thousands of sockets cheaply).
//
// open() resolves once the socket is subscribed to its escrow room, or rejects with a short reason:
// "http:<status>", "close:<code>", "error:<errno>", "timeout", "refused:<code>".
import WebSocket from 'ws';

export const PROTOCOLS = ['native', 'socketio'];

/**
 * @param {object} o
 * @param {string} o.protocol  'native' | 'socketio'
 * @param {string} o.baseUrl   e.g. ws://127.0.0.1:8080
 * @param {string} o.token     bearer token (the native peer ignores it)
 * @param {string} o.room      'escrow:<id>'
 * @param {string} [o.lastEventId]  resume the room after this id (replay), as a reconnecting client does
 * @param {string} o.localAddress  source address to bind, 127.0.0.x
 * @param {number} o.timeoutMs  for the whole open + subscribe
 * @param {(room: string, data: object, id: string) => void} o.onEvent
 * @param {(reply: {recovered: boolean, replayed: number, position: string}) => void} [o.onSubscribed]
 * @param {(code: number) => void} o.onClose  after a successful open only
 */
export function open(o) {
  return o.protocol === 'socketio' ? openSocketIo(o) : openNative(o);
}

function connect(url, o, headers) {
  return new WebSocket(url, { localAddress: o.localAddress, headers, perMessageDeflate: false, handshakeTimeout: o.timeoutMs });
}

/** Common life cycle: settle once, then hand over to onEvent/onClose. */
function lifecycle(ws, o, onMessage) {
  return new Promise((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => fail('timeout'), o.timeoutMs);
    function fail(reason) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ws.removeAllListeners('close');
      ws.on('error', () => {});
      ws.terminate();
      reject(new Error(reason));
    }
    function done() {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(ws);
    }
    ws.on('unexpected-response', (_req, res) => fail(`http:${res.statusCode}`));
    ws.on('error', (err) => fail(`error:${err.code ?? err.message}`));
    ws.on('close', (code) => (settled ? o.onClose(code) : fail(`close:${code}`)));
    ws.on('message', (raw) => {
      try {
        onMessage(raw.toString(), { done, fail, isOpen: () => settled });
      } catch {
        fail('bad-frame'); // a frame that does not parse: fails the open, ignored once open
      }
    });
  });
}

function openNative(o) {
  const ws = connect(`${o.baseUrl}/ws`, o, { Authorization: `Bearer ${o.token}` });
  return lifecycle(ws, o, (text, state) => {
    const frame = JSON.parse(text);
    if (state.isOpen()) {
      if (frame.room === o.room && frame.data) o.onEvent(frame.room, frame.data, frame.id);
    } else if (frame.type === 'welcome') {
      ws.send(JSON.stringify({ op: 'subscribe', room: o.room, lastEventId: o.lastEventId, ref: '1' }));
    } else if (frame.type === 'subscribed' && frame.ref === '1') {
      o.onSubscribed?.(frame);
      state.done();
    } else if (frame.type === 'error') {
      state.fail(`refused:${frame.code}`);
    }
  });
}

function openSocketIo(o) {
  const ws = connect(`${o.baseUrl}/socket.io/?EIO=4&transport=websocket`, o, {});
  return lifecycle(ws, o, (text, state) => {
    if (text === '2') return ws.send('3'); // Engine.IO ping from the server: answer or be dropped
    const kind = text[0];
    if (kind === '0') return ws.send(`40${JSON.stringify({ token: o.token })}`); // Engine.IO open -> Socket.IO connect
    if (kind !== '4') return;
    const body = text.slice(1);
    if (body.startsWith('0')) {
      ws.send(`421${JSON.stringify(['subscribe', { room: o.room, lastEventId: o.lastEventId }])}`);
    } else if (body.startsWith('4')) {
      state.fail('refused:connect_error');
    } else if (body.startsWith('31')) {
      const [ack] = JSON.parse(body.slice(2));
      if (ack && ack.ok) {
        o.onSubscribed?.(ack);
        state.done();
      }
      else state.fail(`refused:${ack?.code ?? 'subscribe'}`);
    } else if (body.startsWith('2') && state.isOpen()) {
      const [, event] = JSON.parse(body.slice(body.indexOf('[')));
      if (event && event.room === o.room && event.data) o.onEvent(event.room, event.data, event.id);
    }
  });
}
