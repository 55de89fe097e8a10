import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SetupError, SetupErrorCode } from '../protocol/errors.js';

/**
 * Binds a transport's own server; rejects (the port is taken, say) without
 * leaving an `error` listener behind.
 *
 * @example
 * await listenOn(server, options.port, options.host);
 */
export function listenOn(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** The address `server` is bound to; `NOT_STARTED` while it is not listening. */
export function boundAddress(server: Server | undefined): AddressInfo {
  const address = server?.address();
  if (address === null || address === undefined || typeof address === 'string') throw new SetupError(SetupErrorCode.NOT_STARTED, 'the transport is not listening');
  return address;
}

/**
 * How often Node looks for requests past their header timeout, in ms:
 * half of it, from 10 ms to 1 s. Node's default (30 s) would let a request
 * meant to end at 10 s live 40 s.
 */
export function connectionsCheckingInterval(headersTimeoutMs: number): number {
  return Math.max(10, Math.min(1000, Math.floor(headersTimeoutMs / 2)));
}
