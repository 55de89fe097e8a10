import { SignJWT } from 'jose';
import type { System } from './bench-client.js';
import { storm, type StormOutcome } from './storm-client.js';

/** What the runner asks of a storm: the system, its port, how many clients, and a secret if each must bring an HS256 token. */
export interface StormArgs {
  readonly system: System;
  readonly port: number;
  readonly count: number;
  readonly jwtSecret?: string;
}

/** One token per client (its own `sub`), signed before the clock starts, so no two upgrades carry the same token. */
async function tokensFor(count: number, secret: string): Promise<string[]> {
  const key = new TextEncoder().encode(secret);
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    tokens.push(await new SignJWT({ roles: ['user'] }).setProtectedHeader({ alg: 'HS256' }).setSubject(`user-${i}`).setExpirationTime(exp).sign(key));
  }
  return tokens;
}

/** Runs one storm for the runner. */
export async function stormWith(args: StormArgs): Promise<StormOutcome> {
  const tokens = args.jwtSecret === undefined ? undefined : await tokensFor(args.count, args.jwtSecret);
  return storm(args.system, args.port, args.count, tokens);
}
