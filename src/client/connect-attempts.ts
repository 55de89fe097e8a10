import { ClientError, ClientErrorCode } from './client-errors.js';

/**
 * The subprotocol the client offers: wire protocol v1. The server answers
 * with it; a token, when there is one, is offered beside it and never echoed.
 *
 * @example
 * new WebSocket(url, [CLIENT_PROTOCOL, TOKEN_PROTOCOL_PREFIX + token]);
 */
export const CLIENT_PROTOCOL = 'switchyard.v1';

/**
 * Prefix of the subprotocol that carries the token. Browsers cannot set an
 * `Authorization` header on a WebSocket, and a query string ends up in logs.
 *
 * @example
 * const protocols = [CLIENT_PROTOCOL, `${TOKEN_PROTOCOL_PREFIX}${token}`];
 */
export const TOKEN_PROTOCOL_PREFIX = 'bearer.';

/** What the client tells its token provider. */
export interface TokenRequest {
  /**
   * The token the server refused on the last attempt (HTTP 401, or a 4001
   * close when it expired), if any. A provider that caches tokens should
   * fetch a new one rather than return this one: the client closes if it
   * gets the refused token back.
   */
  readonly rejected: string | undefined;
}

/**
 * Gives the token for the next connection attempt; called before every
 * attempt, so it can return a fresh token each time.
 *
 * @example
 * const token: TokenProvider = async ({ rejected }) => (await auth.getAccessToken({ forceRefresh: rejected !== undefined }));
 */
export type TokenProvider = (request: TokenRequest) => string | Promise<string>;

/** Where and with what the client connects next. */
export interface ConnectAttempt {
  readonly url: string;
  /** The subprotocols to offer: {@link CLIENT_PROTOCOL}, then `bearer.<token>` when there is a token. */
  readonly protocols: readonly string[];
  readonly token: string | undefined;
  /** What the server judges this attempt by: the token, or the URL when there is no token (it may carry one). */
  readonly credential: string;
}

// RFC 7230 token characters: all a subprotocol may hold (a JWT is base64url and dots, so it fits).
const SUBPROTOCOL_TOKEN = /^[!#$%&'*+\-.0-9A-Z^_`|a-z~]+$/;

/**
 * Whether `token` can travel as a `bearer.<token>` subprotocol.
 *
 * @example
 * if (!isSubprotocolToken(token)) throw new TypeError('token has characters a subprotocol cannot carry');
 */
export function isSubprotocolToken(token: unknown): token is string {
  return typeof token === 'string' && SUBPROTOCOL_TOKEN.test(token);
}

/**
 * Works out each connection attempt from the URL and token options, and
 * remembers a credential the server refused so that the client does not
 * retry it: offering the same token again after a 401 or a 4001 fails with
 * that refusal instead of reaching the server.
 *
 * @example
 * const attempts = new ConnectAttempts(() => url, () => token);
 * const attempt = await attempts.next();
 * const socket = new WebSocket(attempt.url, [...attempt.protocols]);
 */
export class ConnectAttempts {
  readonly #url: () => string;
  readonly #token: TokenProvider | undefined;
  #refused: { readonly attempt: ConnectAttempt; readonly error: ClientError } | undefined;

  constructor(url: () => string, token: TokenProvider | undefined) {
    this.#url = url;
    this.#token = token;
  }

  /** Records that the server refused `attempt`'s credential, with `error` (UNAUTHORIZED or SESSION_EXPIRED). */
  refused(attempt: ConnectAttempt, error: ClientError): void {
    this.#refused = { attempt, error };
  }

  /**
   * The next attempt: asks the token provider and the URL function afresh.
   * Rejects with `TOKEN_UNAVAILABLE` when the provider fails, and with the
   * refusal's own code when the credential is the one the server just refused.
   */
  async next(): Promise<ConnectAttempt> {
    // Never run the options' functions in the constructor's turn: they may refer to the client being constructed.
    await undefined;
    const refused = this.#refused;
    const token = this.#token === undefined ? undefined : await this.#fetchToken(refused?.attempt.token);
    const url = this.#url();
    const credential = token ?? url;
    if (refused !== undefined) {
      if (credential === refused.attempt.credential) {
        const what = token === undefined ? 'no token provider, and the URL is unchanged' : 'the token provider gave the refused token again';
        throw new ClientError(refused.error.code, `${refused.error.message}; ${what}, so the client closed`, [], { cause: refused.error });
      }
      this.#refused = undefined;
    }
    const protocols = token === undefined ? [CLIENT_PROTOCOL] : [CLIENT_PROTOCOL, TOKEN_PROTOCOL_PREFIX + token];
    return { url, protocols, token, credential };
  }

  async #fetchToken(rejected: string | undefined): Promise<string> {
    let token: unknown;
    try {
      token = await (this.#token as TokenProvider)({ rejected });
    } catch (error) {
      throw new ClientError(ClientErrorCode.TOKEN_UNAVAILABLE, 'the token provider failed', [], { cause: error });
    }
    if (!isSubprotocolToken(token)) {
      throw new ClientError(ClientErrorCode.TOKEN_UNAVAILABLE, 'the token provider gave no token a subprotocol can carry (a non-empty string of RFC 7230 token characters)');
    }
    return token;
  }
}
