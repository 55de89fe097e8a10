import type { IncomingMessage } from 'node:http';
import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { Identity } from '../protocol/identity.js';
import { bearerToken } from './bearer-token.js';

/** Options of {@link jwtAuthenticator}. Give exactly one of `secret`, `jwksUrl`, `jwks`. */
export interface JwtAuthenticatorOptions {
  /** Shared secret for HMAC-signed tokens (HS256). */
  secret?: string | Uint8Array;
  /** Where to fetch the signing keys (RS256 and friends); fetched on demand and cached by `jose`. */
  jwksUrl?: string | URL;
  /** The signing keys, in hand. */
  jwks?: JSONWebKeySet;
  /** Accepted algorithms. @default ['HS256'] with `secret`, ['RS256'] with `jwksUrl` or `jwks` */
  algorithms?: readonly string[];
  /** Required `iss` claim. @default undefined (not checked) */
  issuer?: string | readonly string[];
  /** Required `aud` claim. @default undefined (not checked) */
  audience?: string | readonly string[];
  /** Leeway for `exp` and `nbf` when verifying, in seconds. @default 0 */
  clockToleranceSec?: number;
  /** Query parameter that may carry the token, or `false` to accept none there. @default 'access_token' */
  queryParameter?: string | false;
  /** Let connections without a token in as anonymous (a bad token is still refused). @default false */
  optional?: boolean;
  /**
   * Turns verified claims into the identity. Whatever it returns, the `exp`
   * claim is kept, so the connection closes (4001) when it passes.
   * @default claims => ({ ...claims, id: claims.sub, roles: claims.roles ?? [] })
   */
  toIdentity?: (claims: JWTPayload) => Identity;
}

/** The `authenticate` hook of the WebSocket transport, plus what `session.reauth` needs. */
export interface JwtAuthenticator {
  /** Verifies the upgrade request's token; throws (HTTP 401) when it is missing or bad. */
  (request: IncomingMessage): Promise<Identity | undefined>;
  /** Verifies a token on its own, as `session.reauth` does. Rejects when it is bad. */
  readonly verifyToken: (token: string) => Promise<Identity>;
}

interface ResolvedJwtOptions {
  readonly key: Uint8Array | JWTVerifyGetKey;
  readonly verifyOptions: Readonly<{ algorithms: string[]; issuer?: string | string[]; audience?: string | string[]; clockTolerance: number }>;
  readonly queryParameter: string | false;
  readonly optional: boolean;
  readonly toIdentity: (claims: JWTPayload) => Identity;
}

/**
 * Authenticates WebSocket upgrades with JWTs verified by `jose`: HS256
 * with a shared secret, or RS256 against a JWKS. The token comes from the
 * `Authorization: Bearer` header, a `bearer.<token>` subprotocol, or the
 * `access_token` query parameter. A missing or bad token refuses the
 * upgrade with HTTP 401, before any socket exists. Passing it as the
 * transport's `authenticate` also registers `session.reauth`, so a client
 * refreshes its token in place.
 *
 * @example
 * const authenticate = jwtAuthenticator({ jwksUrl: 'https://auth.example.com/.well-known/jwks.json', issuer: 'https://auth.example.com' });
 * await app.listen(new WebSocketTransport({ port: 8080, authenticate }));
 */
export function jwtAuthenticator(options: JwtAuthenticatorOptions): JwtAuthenticator {
  const resolved = resolveJwtOptions(options);
  const verifyToken = async (token: string): Promise<Identity> => {
    const key = resolved.key;
    const { payload } =
      key instanceof Uint8Array ? await jwtVerify(token, key, resolved.verifyOptions) : await jwtVerify(token, key, resolved.verifyOptions);
    const identity = resolved.toIdentity(payload);
    if (typeof identity?.id !== 'string' || identity.id.length === 0) throw new TypeError('the token names no user (no "sub" claim)');
    return payload.exp === undefined ? identity : { ...identity, exp: payload.exp };
  };
  const authenticate = async (request: IncomingMessage): Promise<Identity | undefined> => {
    const token = bearerToken(request, resolved.queryParameter);
    if (token === undefined) {
      if (resolved.optional) return undefined;
      throw new TypeError('no bearer token');
    }
    return verifyToken(token);
  };
  return Object.assign(authenticate, { verifyToken });
}

/**
 * Whether an `authenticate` hook came from {@link jwtAuthenticator}.
 *
 * @example
 * if (isJwtAuthenticator(options.authenticate)) bus.register(SessionReauth, reauthHandler(options.authenticate));
 */
export function isJwtAuthenticator(value: unknown): value is JwtAuthenticator {
  return typeof value === 'function' && typeof (value as { verifyToken?: unknown }).verifyToken === 'function';
}

function resolveJwtOptions(options: JwtAuthenticatorOptions): ResolvedJwtOptions {
  const sources = [options.secret, options.jwksUrl, options.jwks].filter((source) => source !== undefined).length;
  if (sources !== 1) throw new TypeError('jwtAuthenticator needs exactly one of "secret", "jwksUrl" or "jwks"');
  let key: Uint8Array | JWTVerifyGetKey;
  if (options.secret !== undefined) {
    key = typeof options.secret === 'string' ? new TextEncoder().encode(options.secret) : options.secret;
    // RFC 7518: an HS256 key must be at least as long as the hash.
    if (key.length < 32) throw new RangeError('"secret" must be at least 32 bytes');
  } else if (options.jwksUrl !== undefined) {
    key = createRemoteJWKSet(new URL(options.jwksUrl));
  } else {
    key = createLocalJWKSet(options.jwks as JSONWebKeySet);
  }
  const algorithms = [...(options.algorithms ?? (options.secret !== undefined ? ['HS256'] : ['RS256']))];
  if (algorithms.length === 0 || algorithms.some((algorithm) => algorithm === 'none')) throw new TypeError('"algorithms" must name real algorithms');
  const clockTolerance = options.clockToleranceSec ?? 0;
  if (!(clockTolerance >= 0)) throw new RangeError('"clockToleranceSec" must be zero or more');
  const verifyOptions = Object.freeze({
    algorithms,
    clockTolerance,
    ...(options.issuer === undefined ? {} : { issuer: typeof options.issuer === 'string' ? options.issuer : [...options.issuer] }),
    ...(options.audience === undefined ? {} : { audience: typeof options.audience === 'string' ? options.audience : [...options.audience] }),
  });
  const queryParameter = options.queryParameter ?? 'access_token';
  if (queryParameter !== false && (typeof queryParameter !== 'string' || queryParameter.length === 0)) throw new TypeError('"queryParameter" must be a name or false');
  return Object.freeze({ key, verifyOptions, queryParameter, optional: options.optional ?? false, toIdentity: options.toIdentity ?? defaultIdentity });
}

function defaultIdentity(claims: JWTPayload): Identity {
  const roles = Array.isArray(claims['roles']) ? claims['roles'].filter((role): role is string => typeof role === 'string') : [];
  return { ...claims, id: claims.sub as string, roles };
}
