import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';

/** The content types served; a file of any other kind is not served. */
const contentTypes: Readonly<Record<string, string>> = Object.freeze({
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
});

/** One folder served under a URL prefix. */
export interface StaticMount {
  /** URL prefix, starting and ending with `/`. */
  readonly prefix: string;
  /** The folder on disk. */
  readonly root: string;
}

/**
 * Serves files from folders, by URL prefix (the longest prefix wins): `GET`
 * and `HEAD` only, known content types only, `/` and folders answer their
 * `index.html`. A path that resolves outside its folder (`..`, encoded or
 * not, or a symbolic link pointing out of it) is refused with 404, like any
 * file that is not there.
 *
 * @example
 * const serve = serveStatic([{ prefix: '/', root: publicDir }, { prefix: '/client/', root: clientDir }]);
 * createServer((req, res) => void serve(req, res));
 */
export function serveStatic(mounts: readonly StaticMount[]): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  const sorted = [...mounts].map((mount) => ({ prefix: mount.prefix, root: resolve(mount.root) })).sort((a, b) => b.prefix.length - a.prefix.length);
  return async (request, response) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return void response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('Method Not Allowed\n');
    }
    const file = await locate(sorted, request.url ?? '/');
    if (file === undefined) return void response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not Found\n');
    response.writeHead(200, {
      'content-type': file.type,
      'content-length': file.size,
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
    });
    if (request.method === 'HEAD') return void response.end();
    createReadStream(file.path)
      .on('error', () => response.destroy())
      .pipe(response);
  };
}

async function locate(mounts: readonly StaticMount[], url: string): Promise<{ path: string; type: string; size: number } | undefined> {
  let pathname: string;
  try {
    pathname = decodeURIComponent(new URL(url, 'http://localhost').pathname);
  } catch {
    return undefined;
  }
  if (pathname.includes('\0')) return undefined;
  const mount = mounts.find((candidate) => pathname.startsWith(candidate.prefix));
  if (mount === undefined) return undefined;
  let path = resolve(mount.root, `.${sep}${pathname.slice(mount.prefix.length)}`);
  if (path !== mount.root && !path.startsWith(mount.root + sep)) return undefined;
  try {
    let info = await stat(path);
    if (info.isDirectory()) {
      path = resolve(path, 'index.html');
      info = await stat(path);
    }
    const type = contentTypes[extname(path)];
    if (!info.isFile() || type === undefined) return undefined;
    // stat() followed any symbolic link on the way: what is served is where it really leads, and that must be inside the folder too.
    const [real, realRoot] = await Promise.all([realpath(path), realpath(mount.root)]);
    if (!real.startsWith(realRoot + sep)) return undefined;
    return { path: real, type, size: info.size };
  } catch {
    return undefined;
  }
}
