/**
 * The one dispatcher every transport uses (Electron IPC, the /ws host, HTTP routes, the in-memory
 * fake): name check, schema validation, handler call, and every failure turned into a status and
 * a reason. Transports only frame the CallResult; none of them decides a status itself.
 */
import { ContractError, isCommandName, parseRequest, type CallResult, type Handlers } from './index';

import { unknownCommand } from './result';

export { BridgeCallError, isCallResult, unwrapResult } from './result';

/** A failure as a transport shows it: HTTP sends `{error: message}` with `status`. */
export interface DispatchError {
  status: number;
  message: string;
}

/** ContractError keeps its status; anything else is a 500 with its message and nothing more. */
export function toDispatchError(err: unknown): DispatchError {
  if (err instanceof ContractError) return { status: err.status, message: err.message };
  if (err instanceof Error && err.message) return { status: 500, message: err.message };
  return { status: 500, message: 'internal error' };
}

function failure(e: DispatchError): CallResult<never> {
  return { ok: false, status: e.status, error: e.message };
}

/** Validates `name` and `req` against the contract and runs the handler; always resolves. */
export async function dispatch(
  handlers: Partial<Handlers>,
  name: unknown,
  req: unknown,
): Promise<CallResult> {
  if (!isCommandName(name)) return unknownCommand(name);
  const handler = handlers[name] as ((req: unknown) => unknown) | undefined;
  if (typeof handler !== 'function') return failure({ status: 503, message: `${name} is not available` });
  try {
    const parsed = parseRequest(name, req);
    return { ok: true, res: await handler(parsed) };
  } catch (err) {
    return failure(toDispatchError(err));
  }
}
