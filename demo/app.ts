import { Switchyard } from '../src/index.js';
import { CartAddItem, CartGet, CartUpdated, ChatMessage, ChatSay, Echo, RoomJoin, RoomJoined, RoomLeave, RoomLeft } from './contract.js';
import { resolveDemoOptions, type DemoOptions } from './demo-options.js';
import { DemoTokens } from './demo-tokens.js';
import { announceDepartures } from './handlers/announce-departures.js';
import { CartAddItemHandler } from './handlers/cart-add-item.js';
import { CartGetHandler } from './handlers/cart-get.js';
import { chatSay } from './handlers/chat-say.js';
import { echo } from './handlers/echo.js';
import { RoomJoinHandler } from './handlers/room-join.js';
import { RoomLeaveHandler } from './handlers/room-leave.js';
import { RoomCapacity } from './room-capacity.js';

/**
 * The demo's composition root: every handler and every service is listed
 * here, once, so the whole application can be read in one place.
 *
 * @example
 * const app = createDemoApp({ roomCapacity: 10, cartStore: new RedisCartStore({ url }) });
 * await app.listen(new WebSocketTransport({ server, path: '/ws', authenticate }));
 */
export function createDemoApp(options: DemoOptions = {}): Switchyard {
  const { logger, roomCapacity, cartStore, backplane, presence, telemetry } = resolveDemoOptions(options);
  const app = new Switchyard({
    telemetry,
    ...(logger === undefined ? {} : { logger }),
    ...(backplane === undefined ? {} : { backplane }),
    ...(presence === undefined ? {} : { presence }),
  });
  app.container.registerInstance(DemoTokens.CartStore, cartStore);
  app.container.registerInstance(RoomCapacity, new RoomCapacity(roomCapacity));
  app.register(Echo, echo);
  app.register(RoomJoin, RoomJoinHandler);
  app.register(RoomLeave, RoomLeaveHandler);
  app.register(ChatSay, chatSay);
  app.register(CartAddItem, CartAddItemHandler);
  app.register(CartGet, CartGetHandler);
  app.publishes(RoomJoined, RoomLeft, ChatMessage, CartUpdated);
  app.onSessionClosed(announceDepartures(app.publisher));
  return app;
}
