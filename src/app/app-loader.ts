// --app: loads the application module, an ES module that exports a Router, or a function that gets
// the server's API (AppApi) and returns one (or a promise of one). Looked for, in order: the default
// export, then an export named "app", then one named "router". The router goes in front of the
// static site as middleware: a path none of its routes serves falls through to the files.
// Every way this can go wrong is one start-up error that names the file.

import { pathToFileURL } from 'node:url';
import { dirname } from 'node:path';
import { Router } from './router.ts';
import type { Middleware } from './pipeline.ts';
import { createAppApi, type AppApi } from './app-api.ts';
import type { Logger } from '../log/logger.ts';

export class AppLoadError extends Error {
  override name = 'AppLoadError';
}

export interface LoadedApp {
  readonly file: string;
  readonly router: Router;
  readonly middleware: Middleware;
  /** Runs what the app registered with api.onClose (its database, timers), in reverse order. */
  close(): Promise<void>;
}

function isRouter(value: unknown): value is Router {
  return value instanceof Router || (typeof value === 'object' && value !== null && typeof (value as Router).middleware === 'function' && typeof (value as Router).find === 'function');
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'object') return `an object (${Object.keys(value).slice(0, 5).join(', ') || 'no keys'})`;
  return `${typeof value} ${JSON.stringify(value)}`;
}

export interface LoadAppOptions {
  logger: Logger;
  documentRoot: string;
}

export async function loadApp(file: string, options: LoadAppOptions): Promise<LoadedApp> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    const why = e.code === 'ERR_MODULE_NOT_FOUND' && e.message.includes(file) ? 'the file does not exist' : `${e.name}: ${e.message}`;
    throw new AppLoadError(`app ${file} could not be loaded: ${why}`, { cause: error });
  }
  const name = 'default' in mod ? 'default' : 'app' in mod ? 'app' : 'router' in mod ? 'router' : null;
  if (name === null) throw new AppLoadError(`app ${file} exports no router: export default (or "app", or "router") a Router or a function (api) => Router`);
  const closers: Array<() => unknown> = [];
  const api: AppApi = createAppApi({ logger: options.logger, documentRoot: options.documentRoot, appDir: dirname(file), onClose: (fn) => void closers.push(fn) });
  let value = mod[name];
  if (typeof value === 'function') {
    try {
      value = await (value as (api: AppApi) => unknown)(api);
    } catch (error) {
      throw new AppLoadError(`app ${file}: its export "${name}" threw while setting up: ${(error as Error).message ?? String(error)}`, { cause: error });
    }
  }
  if (!isRouter(value)) throw new AppLoadError(`app ${file}: export "${name}" ${typeof mod[name] === 'function' ? 'returned' : 'is'} ${describe(value)}, not a Router (make one with new api.Router())`);
  const router = value;
  return {
    file,
    router,
    middleware: router.middleware,
    close: async () => {
      for (const fn of closers.reverse()) await fn();
    },
  };
}
