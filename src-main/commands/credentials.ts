/**
 * LAN credentials from the console: list (with which MQTT client holds each one now and the ACL
 * it gets), add (the password is returned once, never stored in clear nor logged), revoke (the
 * devices holding it are disconnected at once).
 */
import { ContractError } from '../../src-shared/contract';
import type { CredentialsOverview } from '../../src-shared/contract/devices';
import type { ClientRow } from '../../src-shared/contract/types';
import { aclFor, FAMILIES, type CredentialStore, type Family } from '../broker/credentials';
import type { BrokerAdapter } from '../broker/types';

/** The embedded broker's credential store and kick switch, when the console runs one. */
interface WithCredentials {
  credentials?: CredentialStore;
  disconnectUser?(username: string): number;
}

export interface CredentialsDeps {
  broker: BrokerAdapter;
  lan: boolean;
  rangePrefix: string;
}

export function credentialsApi({ broker, lan, rangePrefix }: CredentialsDeps) {
  const b = broker as BrokerAdapter & WithCredentials;
  const store = (): CredentialStore => {
    if (!b.credentials) {
      throw new ContractError(
        'credentials are managed by the external broker: the console runs no broker of its own',
        400,
      );
    }
    return b.credentials;
  };

  const list = (): CredentialsOverview => {
    const families = FAMILIES.map((family) => ({
      family,
      ...aclFor({ family, device_id: '{device_id}' }, rangePrefix),
    }));
    if (!b.credentials) {
      return {
        available: false,
        enforced: false,
        note: 'The console is joined to an external broker: manage device credentials there.',
        credentials: [],
        families,
      };
    }
    const byUser = new Map<string, ClientRow[]>();
    for (const c of broker.clients()) {
      if (!c.username) continue;
      const list = byUser.get(c.username) ?? [];
      list.push(c);
      byUser.set(c.username, list);
    }
    const credentials = b.credentials
      .list()
      .map((c) => ({
        username: c.username,
        family: c.family,
        device_id: c.device_id,
        created_at: c.created_at,
        clients: (byUser.get(c.username) ?? []).map((x) => ({
          client_id: x.client_id,
          address: x.address,
          connected_at: x.connected_at,
        })),
        acl: aclFor(c, rangePrefix),
      }))
      .sort((x, y) => x.family.localeCompare(y.family) || x.username.localeCompare(y.username));
    return {
      available: true,
      enforced: lan,
      note: lan
        ? null
        : 'The broker listens on loopback and allows anonymous clients: credentials apply once the console runs with --lan.',
      credentials,
      families,
    };
  };

  const add = (family: Family, deviceId: string) => {
    const s = store();
    let password: string;
    try {
      password = s.add(family, deviceId);
    } catch (err) {
      throw new ContractError((err as Error).message, 400);
    }
    return { username: deviceId, family, device_id: deviceId, password };
  };

  const revoke = (username: string) => {
    const revoked = store().revoke(username);
    const disconnected = revoked ? (b.disconnectUser?.(username) ?? 0) : 0;
    return { revoked, disconnected };
  };

  return { list, add, revoke };
}
