/**
 * The pure half of the IPC adapter: who may call, and how one call is validated and dispatched.
 * No electron import, so it runs under vitest.
 */
import { ContractError, isCommandName, parseRequest, type Handlers } from '../../src-shared/contract';

/** What crosses IPC for a command: never a raw thrown error. */
export type IpcResult<T = unknown> = { ok: true; res: T } | { ok: false; error: string; status: number };

/**
 * True when `url` (the sender frame's URL) is the app's own renderer: for a `file:` app the very
 * same index file (any query or hash), for a dev server the same origin. Everything else —
 * other files, other origins, `about:blank`, `data:`, missing URLs — is untrusted.
 */
export function isTrustedSender(url: string | null | undefined, appUrl: string): boolean {
  if (typeof url !== 'string' || url === '') return false;
  let sender: URL;
  let app: URL;
  try {
    sender = new URL(url);
    app = new URL(appUrl);
  } catch {
    return false;
  }
  if (sender.protocol !== app.protocol) return false;
  if (app.protocol === 'file:') {
    if (sender.host !== app.host) return false;
    const a = filePath(app.pathname);
    const s = filePath(sender.pathname);
    if (a === null || s === null) return false;
    // Windows paths compare case-insensitively (file:///C:/...).
    return /^\/[a-z]:\//i.test(a) ? a.toLowerCase() === s.toLowerCase() : a === s;
  }
  if (app.protocol === 'http:' || app.protocol === 'https:') {
    return sender.origin === app.origin;
  }
  return false;
}

function filePath(pathname: string): string | null {
  try {
    return decodeURIComponent(pathname);
  } catch {
    return null;
  }
}

const MAX_NAME_IN_ERROR = 64;

function failure(err: unknown): IpcResult<never> {
  if (err instanceof ContractError) return { ok: false, error: err.message, status: err.status };
  if (err instanceof Error && err.message) return { ok: false, error: err.message, status: 500 };
  return { ok: false, error: 'internal error', status: 500 };
}

/** Validates `name` and `req` against the contract and runs the handler; always resolves. */
export async function dispatch(handlers: Partial<Handlers>, name: unknown, req: unknown): Promise<IpcResult> {
  if (!isCommandName(name)) {
    const shown = typeof name === 'string' ? name.slice(0, MAX_NAME_IN_ERROR) : typeof name;
    return { ok: false, error: `unknown command: ${shown}`, status: 404 };
  }
  const handler = handlers[name] as ((req: unknown) => unknown) | undefined;
  if (typeof handler !== 'function') return { ok: false, error: `${name} is not available`, status: 503 };
  try {
    const parsed = parseRequest(name, req);
    return { ok: true, res: await handler(parsed) };
  } catch (err) {
    return failure(err);
  }
}
