import { accessSync, constants } from 'node:fs';

/** Where the browser tests expect Debian's chromium. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Flags for headless chromium in containers and CI. */
export const CHROMIUM_ARGS: readonly string[] = Object.freeze([
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
]);

/**
 * The chromium executable, or a one-line reason to skip when it is missing.
 * With `REQUIRE_SERVICES=1` a missing chromium is an error, never a skip.
 *
 * @example
 * const chromium = chromiumPath();
 * describe('in a browser', { skip: chromium.skip }, () => { ... });
 */
export function chromiumPath(): { path: string; skip: false } | { path: undefined; skip: string } {
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
    return { path: CHROMIUM_PATH, skip: false };
  } catch {
    const reason = `skipped: browser tests need chromium at ${CHROMIUM_PATH} (apt-get install -y chromium)`;
    if (process.env['REQUIRE_SERVICES'] === '1') throw new Error(`REQUIRE_SERVICES=1 but ${reason.replace('skipped: ', '')}`);
    return { path: undefined, skip: reason };
  }
}
