import { pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import { SetupError, SetupErrorCode } from '../protocol/errors.js';
import type { CommandBus } from './command-bus.js';
import { folderPath, handlerFiles, resolveHandlerDirectoryOptions, type HandlerDirectoryOptions, type HandlerFile } from './handler-files.js';
import { isHandlerRegistration, type HandlerRegistration } from './handles.js';

/** A handler `app.registerDirectory()` registered: its command type, and the module it came from. */
export interface LoadedHandler {
  readonly type: string;
  /** Absolute path of the module. */
  readonly file: string;
}

interface HandlerModule {
  readonly file: HandlerFile;
  readonly registration: HandlerRegistration;
}

const HOW = 'A handler module ends with `export default handles(Command, Handler)`.';

/**
 * Imports every handler module of a folder (see {@link handlerFiles} for
 * which files, in which order), checks them all, then registers them on
 * the bus in that order and logs each at info level. Nothing is registered
 * when a module fails to load, exports no `handles(...)`, or handles a type
 * already taken (by another module of the folder or an earlier
 * registration); a handler the container then cannot build fails with the
 * bus's own code, its message prefixed with the file.
 *
 * @example
 * const loaded = await registerHandlerDirectory(app.bus, app.logger, new URL('./handlers/', import.meta.url));
 */
export async function registerHandlerDirectory(bus: CommandBus, logger: Logger, directory: URL | string, options: HandlerDirectoryOptions = {}): Promise<LoadedHandler[]> {
  const resolved = resolveHandlerDirectoryOptions(options);
  const files = await handlerFiles(folderPath(directory), resolved);
  const modules: HandlerModule[] = [];
  for (const file of files) modules.push({ file, registration: await importRegistration(file) });
  checkTypes(bus, modules);
  const loaded: LoadedHandler[] = [];
  for (const { file, registration } of modules) {
    const type = registration.command.type;
    try {
      bus.register(registration.command, registration.handler);
    } catch (error) {
      if (error instanceof SetupError) throw new SetupError(error.code, `${file.path}: ${error.message}`, { cause: error });
      throw error;
    }
    logger.info({ type, file: file.path }, `handler "${type}" loaded from ${file.name}`);
    loaded.push(Object.freeze({ type, file: file.path }));
  }
  return loaded;
}

async function importRegistration(file: HandlerFile): Promise<HandlerRegistration> {
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(file.path).href)) as Record<string, unknown>;
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new SetupError(SetupErrorCode.INVALID_HANDLER_MODULE, `handler module ${file.path} failed to load: ${reason}`, { cause });
  }
  const exported = module['default'];
  if (isHandlerRegistration(exported)) return exported;
  throw new SetupError(SetupErrorCode.INVALID_HANDLER_MODULE, `handler module ${file.path} ${describeDefault(module, exported)}. ${HOW}`);
}

function describeDefault(module: Record<string, unknown>, exported: unknown): string {
  if (!('default' in module)) return 'has no default export';
  if (typeof exported === 'function') return `exports by default a ${/^class\b/.test(Function.prototype.toString.call(exported)) ? 'class' : 'function'}, not handles(...)`;
  if (typeof exported === 'object' && exported !== null && 'command' in exported && 'handler' in exported) {
    return 'exports by default an object that handles() did not make (two copies of switchyard installed? run `npm ls switchyard`)';
  }
  return `exports by default ${exported === null ? 'null' : typeof exported === 'object' ? 'an object' : `a ${typeof exported}`}, not handles(...)`;
}

function checkTypes(bus: CommandBus, modules: readonly HandlerModule[]): void {
  const seen = new Map<string, string>();
  for (const { file, registration } of modules) {
    const type = registration.command.type;
    const first = seen.get(type);
    if (first !== undefined) {
      throw new SetupError(SetupErrorCode.DUPLICATE_HANDLER, `command "${type}" is handled by two modules of the folder: ${first} and ${file.path}`);
    }
    if (bus.has(type)) throw new SetupError(SetupErrorCode.DUPLICATE_HANDLER, `${file.path}: a handler for command "${type}" is already registered`);
    seen.set(type, file.path);
  }
}
