import { Switchyard, WriteBehind, type MiddlewareContext } from '../src/index.js';
import { CartUpdated, ChatMessage, RoomJoined, RoomLeft, RoomState, RoomStats } from './contract.js';
import { resolveDemoOptions, type DemoOptions } from './demo-options.js';
import { DemoTokens } from './demo-tokens.js';
import { RoomActivity } from './room-stats/room-activity.js';
import { RecentMessages } from './room-memory/recent-messages.js';
import { RoomCatchUp } from './room-memory/room-catch-up.js';
import { countSpeakers, forgetLeavers, RoomSpeakers } from './room-memory/room-speakers.js';

/**
 * The demo's composition root: every service is registered here, then every
 * handler module of `handlers/` is loaded, so the whole application can be
 * read in one place.
 *
 * @example
 * const app = await createDemoApp({ roomCapacity: 10, cartStore: new RedisCartStore({ url }) });
 * await app.listen(new WebSocketTransport({ server, path: '/ws', authenticate }));
 */
export async function createDemoApp(options: DemoOptions = {}): Promise<Switchyard> {
  const { logger, roomCapacity, cartStore, backplane, presence, roomStatsStore, statsIntervalMs, telemetry, recovery, catchUpTimeoutMs } = resolveDemoOptions(options);
  const app = new Switchyard({
    telemetry,
    recovery,
    ...(logger === undefined ? {} : { logger }),
    ...(backplane === undefined ? {} : { backplane }),
    ...(presence === undefined ? {} : { presence }),
  });
  app.container.registerInstance(DemoTokens.CartStore, cartStore);
  // Every room: at most roomCapacity sessions across the nodes, and its members hear of joins and departures.
  app.room('*', { capacity: roomCapacity, announce: true });

  // Room statistics: counted from the events handlers publish, saved behind the commands that touch a room.
  const activity = new RoomActivity(roomStatsStore);
  activity.observe(app.publisher.events$);
  app.container.registerInstance(RoomActivity, activity);
  const saves = new WriteBehind({
    flush: (rooms) => activity.save(rooms),
    intervalMs: statsIntervalMs,
    onError: (error, rooms) => app.reportError(error, `statistics of ${rooms.length} room(s) not saved; retrying`),
  });
  app.onShutdown(() => saves.close());
  app.use(saves.middleware({ keyOf: roomOf, except: [RoomStats] }));

  // A joiner catches up from the room's most active member (asked with room.state), or from the server's buffer.
  const speakers = new RoomSpeakers();
  const recent = new RecentMessages();
  recent.observe(app.publisher.events$);
  app.roomChanges$.subscribe(forgetLeavers(speakers));
  app.use(countSpeakers(speakers));
  app.container.registerInstance(RoomCatchUp, new RoomCatchUp(speakers, recent, catchUpTimeoutMs));

  // Services first: a handler that takes one not registered yet is refused.
  await app.registerDirectory(new URL('./handlers/', import.meta.url));
  app.publishes(RoomJoined, RoomLeft, ChatMessage, CartUpdated);
  app.asks(RoomState);
  return app;
}

/** The room a command is about: every demo command that has one calls it `room`. */
function roomOf(ctx: MiddlewareContext): string | undefined {
  const room = (ctx.payload as { room?: unknown } | null)?.room;
  return typeof room === 'string' ? room : undefined;
}
