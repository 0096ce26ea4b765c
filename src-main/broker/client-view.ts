import type { ClientRow } from '../../src-shared/contract';

/** `::ffff:10.0.0.5` and `10.0.0.5` are the same peer. */
function host(address: string | null | undefined): string {
  return address ? address.replace(/^::ffff:/, '') : '';
}

/** ClientRow addresses carry a port: `HOST:PORT` (IPv6 as `::1:PORT`). */
function rowHost(address: string | null): string {
  if (!address) return '';
  const i = address.lastIndexOf(':');
  return host(i > 0 ? address.slice(0, i) : address);
}

/**
 * What `/api/clients` shows a caller. Client ids are what a device needs to take over a session,
 * so a caller from the LAN without the API token sees only the clients connected from its own
 * address, and how many others there are; this machine and token holders see all of them.
 */
export function clientsFor(
  rows: ClientRow[],
  caller: { address: string | undefined; trusted: boolean },
): { clients: ClientRow[]; hidden?: number } {
  if (caller.trusted) return { clients: rows };
  const own = host(caller.address);
  const mine = rows.filter((r) => rowHost(r.address) === own);
  return { clients: mine, hidden: rows.length - mine.length };
}
