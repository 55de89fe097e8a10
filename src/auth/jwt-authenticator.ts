import type { IncomingMessage } from 'node:http';
import type { JSONWebKeySet, JWTPayload, JWTVerifyGetKey, JWTVerifyOptions } from 'jose';
import type { Identity } from '../protocol/identity.js';
import { bearerToken } from './bearer-token.js';
import { hmacKeys } from './hmac-keys.js';

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
  /** Required `iss` claim. Unset, any issuer is accepted, and the transport logs a warning at start-up. @default undefined */
  issuer?: string | readonly string[];
  /** Required `aud` claim. Unset, any audience is accepted, and the transport logs a warning at start-up. @default undefined */
  audience?: string | readonly string[];
  /** Leeway for `exp` and `nbf` when verifying, in seconds. @default 0 */
  clockToleranceSec?: number;
  /**
   * Refuse tokens without an `exp` claim. A token that never expires would
   * keep its connection (bounded only by the application's
   * `maxSessionLifetimeMs`); turn this off only for tokens that truly have none.
   * @default true
   */
  requireExpiry?: boolean;
  /** Query parameter that may carry the token, or `false` to accept none there. @default 'access_token' */
  queryParameter?: string | false;
  /** Let connections without a token in as anonymous (a bad token is still refused). @default false */
  optional?: boolean;
  /**
   * Turns verified claims into the identity: what handlers see as
   * `ctx.user`, and what the client is sent (`session.connected`, the
   * result of `session.reauth`). Return only what the client may see.
   * Whatever it returns, the `exp` claim is kept, so the connection closes
   * (4001) when it passes.
   * @default claims => ({ id: claims.sub, roles: claims.roles ?? [] })
   */
  toIdentity?: (claims: JWTPayload) => Identity;
}

/** The `authenticate` hook of the WebSocket transport, plus what `session.reauth` needs. */
export interface JwtAuthenticator {
  /** Verifies the upgrade request's token; throws (HTTP 401) when it is missing or bad. */
  (request: IncomingMessage): Promise<Identity | undefined>;
  /** Verifies a token on its own, as `session.reauth` does. Rejects when it is bad. */
  readonly verifyToken: (token: string) => Promise<Identity>;
  /** What this authenticator leaves unchecked (no `issuer`, no `audience`); the transport logs each at start-up. */
  readonly warnings: readonly string[];
}

type KeySource = { readonly secret: Uint8Array } | { readonly jwksUrl: URL } | { readonly jwks: JSONWebKeySet };

interface ResolvedJwtOptions {
  readonly source: KeySource;
  readonly verifyOptions: Readonly<JWTVerifyOptions>;
  readonly queryParameter: string | false;
  readonly optional: boolean;
  readonly toIdentity: (claims: JWTPayload) => Identity;
  readonly warnings: readonly string[];
}

type Jose = typeof import('jose');

// jose is loaded on the first verification, not when the package is imported: an application that authenticates otherwise never loads it.
let jose: Promise<Jose> | undefined;

function loadJose(): Promise<Jose> {
  return (jose ??= import('jose'));
}

/**
 * Authenticates WebSocket upgrades with JWTs verified by `jose`: HS256
 * with a shared secret, or RS256 against a JWKS. The token comes from the
 * `Authorization: Bearer` header, a `bearer.<token>` subprotocol, or the
 * `access_token` query parameter. A missing or bad token refuses the
 * upgrade with HTTP 401, before any socket exists. A token without `exp` is
 * bad unless `requireExpiry: false`. Connections of an endpoint with this
 * authenticator can refresh their token in place with `session.reauth`,
 * verified by this same authenticator.
 *
 * `jose` is loaded on the first verification; creating the authenticator
 * only checks the options.
 *
 * @example
 * const authenticate = jwtAuthenticator({ jwksUrl: 'https://auth.example.com/.well-known/jwks.json', issuer: 'https://auth.example.com', audience: 'chat' });
 * await app.listen(new WebSocketTransport({ port: 8080, authenticate }));
 */
export function jwtAuthenticator(options: JwtAuthenticatorOptions): JwtAuthenticator {
  const resolved = resolveJwtOptions(options);
  let key: Promise<JWTVerifyGetKey> | undefined;
  const verifyToken = async (token: string): Promise<Identity> => {
    const { jwtVerify } = await loadJose();
    const verificationKey = await (key ??= keyOf(resolved.source));
    const { payload } = await jwtVerify(token, verificationKey, resolved.verifyOptions);
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
  return Object.assign(authenticate, { verifyToken, warnings: resolved.warnings });
}

/**
 * Whether an `authenticate` hook can also verify a token on its own (it came
 * from {@link jwtAuthenticator}, or has a `verifyToken` of the same shape).
 *
 * @example
 * const verify = isJwtAuthenticator(options.authenticate) ? options.authenticate.verifyToken : undefined;
 */
export function isJwtAuthenticator(value: unknown): value is Omit<JwtAuthenticator, 'warnings'> & { readonly warnings?: readonly string[] } {
  return typeof value === 'function' && typeof (value as { verifyToken?: unknown }).verifyToken === 'function';
}

async function keyOf(source: KeySource): Promise<JWTVerifyGetKey> {
  // The secret is imported once per algorithm, not at every verification.
  if ('secret' in source) return hmacKeys(source.secret);
  const { createLocalJWKSet, createRemoteJWKSet } = await loadJose();
  return 'jwksUrl' in source ? createRemoteJWKSet(source.jwksUrl) : createLocalJWKSet(source.jwks);
}

function resolveJwtOptions(options: JwtAuthenticatorOptions): ResolvedJwtOptions {
  const sources = [options.secret, options.jwksUrl, options.jwks].filter((source) => source !== undefined).length;
  if (sources !== 1) throw new TypeError('jwtAuthenticator needs exactly one of "secret", "jwksUrl" or "jwks"');
  let source: KeySource;
  if (options.secret !== undefined) {
    const secret = typeof options.secret === 'string' ? new TextEncoder().encode(options.secret) : options.secret;
    // RFC 7518: an HS256 key must be at least as long as the hash.
    if (secret.length < 32) throw new RangeError('"secret" must be at least 32 bytes');
    source = { secret };
  } else if (options.jwksUrl !== undefined) {
    source = { jwksUrl: new URL(options.jwksUrl) };
  } else {
    if (!Array.isArray(options.jwks?.keys)) throw new TypeError('"jwks" must be a JSON Web Key Set ({ keys: [...] })');
    source = { jwks: options.jwks };
  }
  const algorithms = [...(options.algorithms ?? (options.secret !== undefined ? ['HS256'] : ['RS256']))];
  if (algorithms.length === 0 || algorithms.some((algorithm) => algorithm === 'none')) throw new TypeError('"algorithms" must name real algorithms');
  const clockTolerance = options.clockToleranceSec ?? 0;
  if (!(clockTolerance >= 0)) throw new RangeError('"clockToleranceSec" must be zero or more');
  const requireExpiry = options.requireExpiry ?? true;
  if (typeof requireExpiry !== 'boolean') throw new TypeError('"requireExpiry" must be a boolean');
  const verifyOptions: JWTVerifyOptions = Object.freeze({
    algorithms,
    clockTolerance,
    ...(requireExpiry ? { requiredClaims: ['exp'] } : {}),
    ...(options.issuer === undefined ? {} : { issuer: typeof options.issuer === 'string' ? options.issuer : [...options.issuer] }),
    ...(options.audience === undefined ? {} : { audience: typeof options.audience === 'string' ? options.audience : [...options.audience] }),
  });
  const queryParameter = options.queryParameter ?? 'access_token';
  if (queryParameter !== false && (typeof queryParameter !== 'string' || queryParameter.length === 0)) throw new TypeError('"queryParameter" must be a name or false');
  const toIdentity = options.toIdentity ?? defaultIdentity;
  if (typeof toIdentity !== 'function') throw new TypeError('"toIdentity" must be a function');
  const warnings: string[] = [];
  if (options.issuer === undefined) warnings.push('jwtAuthenticator: no "issuer" configured, so tokens from any issuer that holds the key are accepted');
  if (options.audience === undefined) warnings.push('jwtAuthenticator: no "audience" configured, so tokens meant for any service that shares the key are accepted');
  return Object.freeze({ source, verifyOptions, queryParameter, optional: options.optional ?? false, toIdentity, warnings: Object.freeze(warnings) });
}

/** Only the user id and roles: other claims (email, internal scores...) stay on the server unless `toIdentity` picks them. */
function defaultIdentity(claims: JWTPayload): Identity {
  const roles = Array.isArray(claims['roles']) ? claims['roles'].filter((role): role is string => typeof role === 'string') : [];
  return { id: claims.sub as string, roles };
}
