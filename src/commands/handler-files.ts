import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SetupError, SetupErrorCode } from '../protocol/errors.js';

/** Which files of a folder `app.registerDirectory()` loads. */
export interface HandlerDirectoryOptions {
  /** Also load the modules of subfolders, at any depth. @default false */
  recursive?: boolean;
  /**
   * Endings of the file names that count as handler modules. Declaration
   * files (`.d.ts`, `.d.mts`, `.d.cts`) never count, nor do names starting
   * with a dot.
   * @default ['.js', '.mjs']
   */
  extensions?: readonly string[];
}

/** The options once defaults are applied and checked. */
export interface ResolvedHandlerDirectoryOptions {
  readonly recursive: boolean;
  readonly extensions: readonly string[];
}

/** A handler module found in the folder. */
export interface HandlerFile {
  /** Absolute path. */
  readonly path: string;
  /** Path inside the folder, with `/` between folders: the sort key. */
  readonly name: string;
}

const defaults = Object.freeze({ recursive: false, extensions: Object.freeze(['.js', '.mjs']) });

const DECLARATION = /\.d\.[mc]?ts$/;

/**
 * Applies the defaults, checks the options, and freezes the result.
 *
 * @example
 * resolveHandlerDirectoryOptions({ recursive: true });
 */
export function resolveHandlerDirectoryOptions(options: HandlerDirectoryOptions): ResolvedHandlerDirectoryOptions {
  const recursive = options.recursive ?? defaults.recursive;
  if (typeof recursive !== 'boolean') throw new TypeError('"recursive" must be a boolean');
  const extensions = options.extensions ?? defaults.extensions;
  if (!Array.isArray(extensions) || extensions.length === 0 || !extensions.every((ending) => typeof ending === 'string' && /^\.[^/\\]+$/.test(ending))) {
    throw new TypeError('"extensions" must be a non-empty array of file name endings such as ".js"');
  }
  return Object.freeze({ recursive, extensions: Object.freeze([...extensions]) });
}

/**
 * The absolute path of a folder given as a `file:` URL or as a path (a
 * relative path is resolved against the current directory).
 *
 * @example
 * folderPath(new URL('./handlers/', import.meta.url));
 */
export function folderPath(directory: URL | string): string {
  if (directory instanceof URL) {
    if (directory.protocol !== 'file:') throw new TypeError(`a handler folder must be a file: URL or a path, not ${directory.protocol} URL`);
    return fileURLToPath(directory);
  }
  if (typeof directory !== 'string' || directory.length === 0) throw new TypeError('a handler folder must be a file: URL or a non-empty path');
  return resolve(directory);
}

/**
 * The handler modules of a folder, sorted by their path inside it (code
 * unit order, the same on every machine), so registration is deterministic.
 * A folder that cannot be read, or holds no module, is a `HANDLER_DIRECTORY`
 * error: the path is most likely wrong (the sources rather than the
 * compiled output, say).
 *
 * @example
 * const files = await handlerFiles('/srv/app/dist/handlers', resolveHandlerDirectoryOptions({}));
 */
export async function handlerFiles(folder: string, options: ResolvedHandlerDirectoryOptions): Promise<HandlerFile[]> {
  const found: HandlerFile[] = [];
  const skipped: string[] = [];
  await collect(folder, '', options, found, skipped);
  if (found.length === 0) {
    const sources = skipped.filter((name) => /\.[mc]?ts$/.test(name) && !DECLARATION.test(name));
    const hint = sources.length > 0 ? ` It holds ${sources.length} TypeScript source file(s) (${sources[0]}...): point it at the compiled output instead.` : '';
    throw new SetupError(SetupErrorCode.HANDLER_DIRECTORY, `no handler module in ${folder} (files ending ${options.extensions.join(', ')}${options.recursive ? ', in any subfolder' : ''}).${hint}`);
  }
  return found.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

async function collect(folder: string, prefix: string, options: ResolvedHandlerDirectoryOptions, found: HandlerFile[], skipped: string[]): Promise<void> {
  let entries;
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch (cause) {
    const reason = (cause as NodeJS.ErrnoException).code ?? (cause instanceof Error ? cause.message : String(cause));
    throw new SetupError(SetupErrorCode.HANDLER_DIRECTORY, `cannot read the handler folder ${folder}: ${reason}`, { cause });
  }
  for (const entry of entries) {
    const name = `${prefix}${entry.name}`;
    const path = join(folder, entry.name);
    if (entry.name.startsWith('.')) continue;
    if (entry.isDirectory()) {
      if (options.recursive) await collect(path, `${name}/`, options, found, skipped);
      continue;
    }
    const counts = (entry.isFile() || entry.isSymbolicLink()) && options.extensions.some((ending) => entry.name.endsWith(ending)) && !DECLARATION.test(entry.name);
    if (counts) found.push({ path, name });
    else skipped.push(name);
  }
}
