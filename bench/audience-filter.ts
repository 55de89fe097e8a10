// node dist/bench/audience-filter.js [--members 1000 --events 2000]
// One hub, no socket: what delivering an event to a room costs per
// recipient, plain (to.room) and narrowed by identity (to.room().where()),
// with half of the members matching. The sockets' send() does nothing, so
// this is the hub's own work: resolving the audience, the filter, encoding
// the event once. Median of 5 batches after a warm-up.
import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { Subject } from 'rxjs';
import { container } from 'tsyringe';
import { CommandBus, EventPublisher, jsonCodec, MemoryPresence, to, type Audience, type EventEnvelope } from '../src/index.js';
import { ConnectionHub } from '../src/session/connection-hub.js';

const { values } = parseArgs({ options: { members: { type: 'string', default: '1000' }, events: { type: 'string', default: '2000' } } });
const members = Number(values.members);
const events = Number(values.events);

const logger = pino({ enabled: false });
const deliveries = new Subject<EventEnvelope>();
const bus = new CommandBus({ container: container.createChildContainer(), publisher: new EventPublisher(), logger, timeoutMs: 1000 });
const hub = new ConnectionHub({ bus, deliveries, presence: new MemoryPresence(), codec: jsonCodec, logger, reportError: (error) => console.error(error), maxSessionLifetimeMs: false });
let sent = 0;
const socket = { send: () => void sent++, close: () => {} };
for (let index = 0; index < members; index++) {
  const connection = hub.open(socket, { id: `u${index}`, roles: index % 2 === 0 ? ['moderator'] : ['member'] });
  hub.registry.join(connection, 'bench');
}

function batch(audience: Audience): number {
  const payload = { room: 'bench', text: 'a message of ordinary length for a chat room', at: 1 };
  const started = process.hrtime.bigint();
  for (let index = 0; index < events; index++) deliveries.next({ type: 'chat.message', payload, audience });
  return Number(process.hrtime.bigint() - started);
}

function measure(name: string, audience: Audience, recipients: number): string {
  batch(audience);
  const runs: number[] = [];
  for (let run = 0; run < 5; run++) runs.push(batch(audience));
  runs.sort((a, b) => a - b);
  const median = runs[2] as number;
  return `| ${name} | ${recipients} | ${(median / events / 1000).toFixed(1)} | ${(median / events / members).toFixed(1)} |`;
}

sent = 0;
const rows = [
  '| audience | recipients per event | µs per event | ns per member |',
  '| --- | ---: | ---: | ---: |',
  measure('to.room(r)', to.room('bench'), members),
  measure("to.room(r).where({ roles: 'moderator' })", to.room('bench').where({ roles: 'moderator' }), members / 2),
  measure("to.room(r).where({ roles: ['moderator', 'admin'], id: 'nobody' })", to.room('bench').where({ roles: ['moderator', 'admin'], id: 'nobody' }), 0),
];
console.log(`${members} members in one room, ${events} events per batch\n`);
console.log(rows.join('\n'));
hub.close();
