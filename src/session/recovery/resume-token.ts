import { randomBytes } from 'node:crypto';

/** Bytes of CSPRNG output in a resume token: 192 bits, well past the 128 a guess must not reach. */
const TOKEN_BYTES = 24;

/**
 * A fresh resume token: 192 random bits from the CSPRNG, base64url (32
 * characters). It is a bearer secret: never log it.
 */
export function newResumeToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

/** A fresh owner mark: which connection holds a session record now (not a secret). */
export function newOwnerMark(): string {
  return randomBytes(9).toString('base64url');
}
