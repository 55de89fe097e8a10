import type { CommandBus } from '../commands/command-bus.js';
import type { InboundCommand } from '../commands/inbound-command.js';
import type { Reply } from '../protocol/frames.js';

/**
 * Runs a command on the bus for a hub: the reply at once when the command
 * finished synchronously, a promise of it otherwise. A bus that throws
 * (it should not) becomes a rejected promise, as `dispatch` would give.
 *
 * @example
 * const outcome = runCommand(bus, inbound);
 * if (outcome instanceof Promise) outcome.then(send); else send(outcome);
 */
export function runCommand(bus: CommandBus, inbound: InboundCommand): Reply | undefined | Promise<Reply | undefined> {
  try {
    return bus.execute(inbound);
  } catch (error) {
    return Promise.reject(error);
  }
}
