import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';

/** Marks a signed message: `s1.<43 characters of base64url HMAC-SHA256>.<JSON>`. */
const PREFIX = 's1.';
const MAC_LENGTH = 43;
const HEADER_LENGTH = PREFIX.length + MAC_LENGTH + 1;

/**
 * Signs backplane messages with a key every node shares (HMAC-SHA256 over
 * the serialized message) and opens signed ones, so a client of a shared
 * Redis that may publish on the channel but does not hold the key cannot
 * make a node deliver an event. It does not stop a replay of a message seen
 * on the channel; Redis ACLs that keep others off the prefix do.
 *
 * @example
 * const signature = new MessageSignature(createSecretKey(randomBytes(32)));
 * const raw = signature.sign(JSON.stringify(message));
 * const json = signature.open(raw); // undefined when unsigned or forged
 */
export class MessageSignature {
  readonly #key: KeyObject;

  constructor(key: KeyObject) {
    this.#key = key;
  }

  sign(json: string): string {
    return `${PREFIX}${this.#mac(json).toString('base64url')}.${json}`;
  }

  /** The signed JSON, or `undefined` when the message is unsigned or its signature does not match. */
  open(raw: string): string | undefined {
    if (raw.length < HEADER_LENGTH || !raw.startsWith(PREFIX) || raw[HEADER_LENGTH - 1] !== '.') return undefined;
    const claimed = Buffer.from(raw.slice(PREFIX.length, HEADER_LENGTH - 1), 'base64url');
    const json = raw.slice(HEADER_LENGTH);
    const expected = this.#mac(json);
    if (claimed.length !== expected.length || !timingSafeEqual(claimed, expected)) return undefined;
    return json;
  }

  #mac(json: string): Buffer {
    return createHmac('sha256', this.#key).update(json).digest();
  }
}
