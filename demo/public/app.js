// The demo page: plain ES modules, no bundler. The typed client is the
// project's compiled client, served by the demo server under /client/.
import { ClientError } from '/client/client-errors.js';
import { SwitchyardClient } from '/client/switchyard-client.js';

const $ = (id) => document.getElementById(id);
const state = {
  client: undefined,
  me: undefined,
  rooms: new Map(), // room -> { members: Map<connectionId, entry>, messages: [], stats?: { messages, lastActivityAt } }
  active: undefined,
};

$('name-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const name = $('name').value.trim();
  if (name) connect(name);
});

function connect(name) {
  const url = new URL('/ws', location.href);
  url.protocol = location.protocol === 'https:' ? 'wss:' : 'ws:';
  url.searchParams.set('user', name);
  const client = new SwitchyardClient({
    url: url.href,
    reconnect: { maxAttempts: Infinity },
    // Called only when the session could not be resumed (the server forgot it, or it expired): join the
    // rooms again, fetch the cart. A resumed session needs nothing: the client got what it missed.
    onReconnect: async (c) => {
      await Promise.all([...state.rooms.keys()].map((room) => joined(room, c.request('room.join', { room }))));
      renderCart(await c.request('cart.get', {}));
    },
    onError: (error) => console.warn('switchyard:', error),
  });
  state.client = client;
  client.onStateChange(renderStatus);
  client.on('session.connected', (session) => {
    state.me = session;
    renderStatus(client.state);
  });
  client.on('chat.message', (message) => {
    addMessage(message.room, message);
    countActivity(message.room, message.at, true);
  });
  client.on('room.joined', ({ room, member }) => {
    countActivity(room, Date.now(), false);
    state.rooms.get(room)?.members.set(member.connectionId, member);
    addSystem(room, `${member.userId ?? 'a guest'} joined`);
    if (room === state.active) renderMembers();
  });
  client.on('room.left', ({ room, member }) => {
    state.rooms.get(room)?.members.delete(member.connectionId);
    if (member.connectionId !== state.client.session?.connectionId) addSystem(room, `${member.userId ?? 'a guest'} left`);
    if (room === state.active) renderMembers();
  });
  client.on('cart.updated', renderCart);
  // The server asks the room's most active member for what it saw lately, to catch a newcomer up.
  client.handle('room.state', ({ room }) => ({ messages: recentOf(room) }));

  $('welcome').hidden = true;
  $('workspace').hidden = false;
  document.title = `${name} · Switchyard demo`;
  renderStatus(client.state);
  client
    .ready()
    .then(() => Promise.all([join('lobby'), client.request('cart.get', {}).then(renderCart)]))
    .catch(notice);
  // Other nodes save their counts on an interval, so the server's figures are asked for again now and then.
  setInterval(() => {
    if (client.state !== 'open') return;
    for (const room of state.rooms.keys()) refreshStats(room).catch(() => {});
  }, 10_000);
}

async function join(room) {
  await joined(room, state.client.request('room.join', { room }));
  select(room);
}

async function joined(room, reply) {
  const { members, recent, recentSource } = await reply;
  const known = state.rooms.get(room);
  const entry = known ?? { members: new Map(), messages: [] };
  // A newcomer sees what was said lately; after a reconnect the tab has its own messages already.
  if (!known && recent.length > 0) {
    const source = recentSource === 'member' ? "from a member's view of the room" : "from the server's memory";
    entry.messages.push({ room, text: `earlier messages, ${source}`, system: true, at: Date.now() });
    for (const message of recent) entry.messages.push({ ...message, recent: true });
  }
  entry.members = new Map(members.map((member) => [member.connectionId, member]));
  state.rooms.set(room, entry);
  renderRooms();
  if (room === state.active) renderMembers();
  refreshStats(room).catch(notice);
}

// Room statistics: the server's figures on join and every few seconds, counted here in between.
async function refreshStats(room) {
  const stats = await state.client.request('room.stats', { room });
  const entry = state.rooms.get(room);
  if (!entry) return;
  entry.stats = stats;
  renderRooms();
}

function countActivity(room, at, message) {
  const entry = state.rooms.get(room);
  if (!entry?.stats) return;
  const { messages, lastActivityAt } = entry.stats;
  entry.stats = { ...entry.stats, messages: messages + (message ? 1 : 0), lastActivityAt: Math.max(lastActivityAt ?? 0, at) };
  renderRooms();
}

async function leave(room) {
  await state.client.request('room.leave', { room });
  state.rooms.delete(room);
  if (state.active === room) state.active = undefined;
  select(state.active ?? state.rooms.keys().next().value);
}

function select(room) {
  state.active = room;
  renderRooms();
  renderMembers();
  renderMessages();
  $('chat-title').textContent = room ? `# ${room}` : 'Chat';
  for (const control of $('say-form').elements) control.disabled = room === undefined;
  if (room) $('text').focus();
}

$('join-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const room = $('room').value.trim();
  if (room) join(room).catch(notice);
});

$('say-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const room = state.active;
  const text = $('text').value;
  if (!room || !text.trim()) return;
  $('text').value = '';
  const mine = { room, from: state.me?.user?.id ?? 'me', text, at: Date.now(), mine: true };
  addMessage(room, mine);
  state.client.request('chat.say', { room, text }).then(() => countActivity(room, mine.at, true), (error) => {
    mine.failed = true;
    renderMessages();
    notice(error);
  });
});

$('cart-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const line = { itemId: $('item').value, quantity: 1 };
  if ($('color').value) line.color = $('color').value;
  if ($('size').value) line.size = $('size').value;
  state.client.request('cart.addItem', line).then(renderCart, notice);
});

function addMessage(room, message) {
  const entry = state.rooms.get(room);
  if (!entry) return;
  entry.messages.push(message);
  if (entry.messages.length > 200) entry.messages.shift();
  if (room === state.active) renderMessages();
}

// What this tab saw of a room lately, as the server's room.state asks it: messages only, the last 20.
function recentOf(room) {
  const messages = state.rooms.get(room)?.messages ?? [];
  return messages
    .filter((message) => !message.system && !message.failed)
    .slice(-20)
    .map((message) => ({ room, from: message.from, text: message.text, at: message.at }));
}

function addSystem(room, text) {
  addMessage(room, { room, text, system: true, at: Date.now() });
}

function renderStatus(clientState) {
  const labels = { connecting: 'connecting…', open: 'connected', reconnecting: 'reconnecting…', closed: 'disconnected' };
  const status = $('status');
  status.dataset.state = clientState;
  status.textContent = state.me?.user && clientState === 'open' ? `connected as ${state.me.user.id}` : labels[clientState];
}

function renderRooms() {
  const list = $('room-list');
  list.replaceChildren(
    ...[...state.rooms.keys()].map((room) => {
      const item = element('li', { className: room === state.active ? 'active' : '' });
      const label = element('span', {}, `# ${room}`);
      label.append(element('small', { className: 'stats' }, statsText(state.rooms.get(room).stats)));
      item.append(label);
      item.addEventListener('click', () => select(room));
      const close = element('button', { title: `leave ${room}`, type: 'button' }, '×');
      close.addEventListener('click', (event) => {
        event.stopPropagation();
        leave(room).catch(notice);
      });
      item.append(close);
      return item;
    }),
  );
}

function statsText(stats) {
  if (!stats) return '';
  const messages = `${stats.messages} message${stats.messages === 1 ? '' : 's'}`;
  return stats.lastActivityAt === null ? messages : `${messages} · active ${new Date(stats.lastActivityAt).toLocaleTimeString()}`;
}

function renderMembers() {
  const members = state.rooms.get(state.active)?.members ?? new Map();
  const byName = new Map();
  for (const member of members.values()) {
    const name = member.userId ?? `guest ${member.connectionId.slice(-4)}`;
    byName.set(name, (byName.get(name) ?? 0) + 1);
  }
  $('members').replaceChildren(
    ...[...byName].map(([name, sessions]) => element('li', {}, sessions > 1 ? `${name} (${sessions} tabs)` : name)),
  );
}

function renderMessages() {
  const list = $('messages');
  const messages = state.rooms.get(state.active)?.messages ?? [];
  list.replaceChildren(
    ...messages.map((message) => {
      if (message.system) return element('li', { className: 'system' }, message.text);
      const item = element('li', { className: [message.mine ? 'mine' : '', message.recent ? 'recent' : ''].join(' ').trim() });
      item.append(element('span', { className: 'from' }, `${message.from} · ${new Date(message.at).toLocaleTimeString()}${message.failed ? ' · not sent' : ''}`));
      item.append(document.createTextNode(message.text));
      return item;
    }),
  );
  list.scrollTop = list.scrollHeight;
}

function renderCart(cart) {
  $('cart-lines').replaceChildren(
    ...cart.lines.map((line) => {
      const label = [line.itemId, line.color, line.size].filter(Boolean).join(' · ');
      const item = element('li', {}, label);
      item.append(element('strong', {}, `× ${line.quantity}`));
      return item;
    }),
  );
  $('cart-total').textContent = String(cart.totalQuantity);
}

function notice(error) {
  const text = error instanceof ClientError ? `${error.code}: ${error.message}` : String(error?.message ?? error);
  const box = $('notice');
  box.textContent = text;
  box.hidden = false;
  clearTimeout(notice.timer);
  notice.timer = setTimeout(() => (box.hidden = true), 4000);
}

function element(tag, properties, text) {
  const node = Object.assign(document.createElement(tag), properties);
  if (text !== undefined) node.textContent = text;
  return node;
}
