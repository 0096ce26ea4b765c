/**
 * The client half of a call, with no runtime dependencies (the sandboxed preload and the renderer
 * bridges import it): a CallResult becomes the value or an error that keeps the status.
 */
import type { CallResult } from './types';

const MAX_NAME_IN_ERROR = 64;

/** The failure for a name outside the contract, the same wherever it is caught. */
export function unknownCommand(name: unknown): { ok: false; status: 404; error: string } {
  const shown = typeof name === 'string' ? name.slice(0, MAX_NAME_IN_ERROR) : typeof name;
  return { ok: false, status: 404, error: `unknown command: ${shown}` };
}

/** A failed call as the views see it, whatever carried it. */
export class BridgeCallError extends Error {
  constructor(
    message: string,
    readonly command: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'BridgeCallError';
  }
}

export function isCallResult(v: unknown): v is CallResult {
  if (!v || typeof v !== 'object') return false;
  const r = v as { ok?: unknown; error?: unknown };
  return r.ok === true || (r.ok === false && typeof r.error === 'string');
}

/** The client half: the result's value, or a BridgeCallError carrying the status. */
export function unwrapResult<T>(command: string, result: unknown): T {
  if (!isCallResult(result)) throw new BridgeCallError('malformed response from the core', command, 500);
  if (result.ok) return result.res as T;
  const status = typeof result.status === 'number' ? result.status : 500;
  throw new BridgeCallError(result.error || 'call failed', command, status);
}
