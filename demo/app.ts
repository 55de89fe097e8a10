import type { Logger } from 'pino';
import { Switchyard } from '../src/index.js';
import { ChatSay, Echo, RoomJoin, RoomLeave } from './contract.js';
import { chatSay } from './handlers/chat-say.js';
import { echo } from './handlers/echo.js';
import { RoomJoinHandler } from './handlers/room-join.js';
import { RoomLeaveHandler } from './handlers/room-leave.js';

/** Options of the demo application. */
export interface DemoOptions {
  readonly logger?: Logger;
}

/**
 * The demo's composition root: every handler is listed here, once, so the
 * whole application can be read in one place.
 */
export function createDemoApp(options: DemoOptions = {}): Switchyard {
  const app = new Switchyard(options.logger === undefined ? {} : { logger: options.logger });
  app.register(Echo, echo);
  app.register(RoomJoin, RoomJoinHandler);
  app.register(RoomLeave, RoomLeaveHandler);
  app.register(ChatSay, chatSay);
  return app;
}
