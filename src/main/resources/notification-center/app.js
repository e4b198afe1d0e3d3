// The notification center: the caller's escrows, their live events and the notification feed, over the
// official Socket.IO client. After a network drop the client reconnects by itself; each escrow room is
// resumed from the last event id seen (or reloaded over REST when the server cannot replay).
(() => {
  'use strict';
  const EVENT_TYPES = ['escrow:status_changed', 'escrow:milestone_released', 'escrow:dispute_filed',
    'escrow:dispute_resolved', 'escrow:party_joined', 'notification:new'];
  const state = { token: null, userId: null, socket: null, escrows: new Map(), lastIds: new Map(), unread: 0 };
  const $ = (id) => document.getElementById(id);
  window.notificationCenter = state; // for the end-to-end test and for debugging in the console

  async function api(path, options = {}) {
    const response = await fetch(path, {
      ...options,
      headers: { 'content-type': 'application/json', authorization: 'Bearer ' + state.token, ...(options.headers || {}) },
    });
    if (!response.ok) throw new Error(path + ': ' + response.status);
    return response.status === 204 ? null : response.json();
  }

  function setConnection(label) {
    const badge = $('connection');
    badge.textContent = label;
    badge.dataset.state = label;
    badge.className = 'badge ' + (label === 'online' ? 'online' : label === 'offline' ? 'offline' : 'reconnecting');
  }

  function renderEscrow(escrow) {
    let item = document.querySelector(`[data-escrow="${escrow.id}"]`);
    if (!item) {
      item = document.createElement('li');
      item.dataset.escrow = escrow.id;
      $('escrows').prepend(item);
    }
    item.innerHTML = '';
    const title = document.createElement('div');
    title.textContent = escrow.title;
    const status = document.createElement('div');
    status.className = 'status';
    status.textContent = escrow.status;
    status.dataset.role = 'status';
    const meta = document.createElement('div');
    meta.className = 'muted';
    meta.textContent = `${escrow.amount.amount} ${escrow.amount.currency} · v${escrow.version}`;
    item.append(title, status, meta);
  }

  function renderEvent(type, event) {
    const item = document.createElement('li');
    item.dataset.eventId = event.id;
    const kind = document.createElement('span');
    kind.className = 'event-type';
    kind.textContent = type;
    const detail = document.createElement('div');
    const data = event.data || {};
    const escrow = state.escrows.get(data.escrowId);
    detail.textContent = describe(type, data, escrow);
    item.append(kind, detail);
    $('events').prepend(item);
  }

  function describe(type, data, escrow) {
    const name = escrow ? `“${escrow.title}”` : (data.escrowId || '');
    switch (type) {
      case 'escrow:status_changed': return `${name}: ${data.from || '—'} → ${data.to}`;
      case 'escrow:milestone_released': return `${name}: released ${data.amount.amount} ${data.amount.currency}`;
      case 'escrow:dispute_filed': return `${name}: dispute filed (${data.reason})`;
      case 'escrow:dispute_resolved': return `${name}: dispute resolved (${data.resolution})`;
      case 'escrow:party_joined': return `${name}: ${data.userId} joined as ${data.role}`;
      default: return `${data.title}`;
    }
  }

  function renderNotification(notification, prepend) {
    const item = document.createElement('li');
    item.dataset.notification = notification.id;
    item.className = notification.read ? '' : 'unread';
    const title = document.createElement('div');
    title.textContent = notification.title;
    const body = document.createElement('div');
    body.className = 'muted';
    body.textContent = notification.body;
    item.append(title, body);
    item.addEventListener('click', () => markRead(notification, item));
    prepend ? $('feed').prepend(item) : $('feed').append(item);
  }

  async function markRead(notification, item) {
    if (notification.read) return;
    await api(`/api/notifications/${notification.id}/read`, { method: 'POST' });
    notification.read = true;
    item.className = '';
    setUnread(state.unread - 1);
  }

  function setUnread(count) {
    state.unread = Math.max(0, count);
    $('unread').textContent = String(state.unread);
  }

  async function loadEscrow(id) {
    const escrow = await api('/api/escrows/' + id);
    state.escrows.set(escrow.id, escrow);
    renderEscrow(escrow);
    return escrow;
  }

  // Subscribes to a room, resuming from the last id seen; a replay the server cannot do means: reload.
  function follow(room) {
    const lastEventId = state.lastIds.get(room);
    state.socket.emit('subscribe', lastEventId ? { room, lastEventId } : { room }, (ack) => {
      if (!ack || !ack.ok) return;
      if (!state.lastIds.has(room)) state.lastIds.set(room, ack.position);
      if (lastEventId && !ack.recovered && room.startsWith('escrow:')) loadEscrow(room.slice('escrow:'.length));
    });
  }

  function onEvent(type, event) {
    state.lastIds.set(event.room, event.id);
    const data = event.data || {};
    if (type === 'notification:new') {
      renderNotification({ id: data.notificationId, title: data.title, body: data.body, read: false }, true);
      setUnread(state.unread + 1);
      if (data.escrowId && !state.escrows.has(data.escrowId)) {
        loadEscrow(data.escrowId).then(() => follow('escrow:' + data.escrowId));
      }
      return;
    }
    const escrow = state.escrows.get(data.escrowId);
    if (escrow && data.version > escrow.version) {
      escrow.version = data.version;
      if (type === 'escrow:status_changed') escrow.status = data.to;
      renderEscrow(escrow);
    }
    renderEvent(type, event);
  }

  function connect() {
    const socket = io(location.origin, { auth: { token: state.token }, transports: ['websocket'] });
    state.socket = socket;
    EVENT_TYPES.forEach((type) => socket.on(type, (event) => onEvent(type, event)));
    socket.on('connect', () => {
      setConnection('online');
      if (!socket.recovered) {
        for (const id of state.escrows.keys()) follow('escrow:' + id);
      }
    });
    socket.on('disconnect', () => setConnection('reconnecting'));
    socket.io.on('reconnect_attempt', () => setConnection('reconnecting'));
    socket.on('connect_error', (error) => {
      setConnection('offline');
      if (error && error.message === 'unauthorized') $('signin-error').textContent = 'The token was refused.';
    });
  }

  async function start(token) {
    state.token = token;
    const page = await api('/api/escrows?size=100');
    state.userId = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))).sub;
    $('who').textContent = state.userId;
    page.items.slice().reverse().forEach((escrow) => { state.escrows.set(escrow.id, escrow); renderEscrow(escrow); });
    const feed = await api('/api/notifications?size=50');
    feed.items.forEach((notification) => renderNotification(notification, false));
    const unread = await api('/api/notifications?unread=true&size=1');
    setUnread(unread.total);
    $('signin').hidden = true;
    $('app').hidden = false;
    connect();
  }

  $('signin-form').addEventListener('submit', async (submit) => {
    submit.preventDefault();
    try {
      const response = await fetch('/dev/token', {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ userId: $('user').value.trim() }),
      });
      if (!response.ok) throw new Error('no dev token endpoint here: paste a token');
      await start((await response.json()).token);
    } catch (error) {
      $('signin-error').textContent = error.message;
    }
  });
  $('token-form').addEventListener('submit', (submit) => {
    submit.preventDefault();
    start($('token').value.trim()).catch((error) => { $('signin-error').textContent = error.message; });
  });
  $('bell').addEventListener('click', () => $('feed-panel').scrollIntoView());
})();
