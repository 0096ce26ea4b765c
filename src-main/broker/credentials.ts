import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { join } from 'node:path';
import { isValidDeviceId } from '../../src-shared/ids';
import { aclFor as familyAcl, CREDENTIAL_FAMILIES, type Acl } from '../../src-shared/families';

/** Families a credential can be issued for; each family's descriptor holds its ACL. */
export const FAMILIES: readonly string[] = CREDENTIAL_FAMILIES;
export type Family = string;

export interface Credential {
  username: string;
  family: Family;
  device_id: string;
  salt: string;
  hash: string;
  created_at: string;
}

export const CREDENTIALS_FILE = 'broker-credentials.json';

function hashPassword(password: string, salt: string): string {
  return scryptSync(password, salt, 32).toString('hex');
}

/** Credentials kept in the data dir, passwords as scrypt hashes only; the file is 0600. */
export class CredentialStore {
  private users = new Map<string, Credential>();
  readonly path: string;

  constructor(dataDir: string) {
    this.path = join(dataDir, CREDENTIALS_FILE);
    if (existsSync(this.path)) {
      const parsed = JSON.parse(readFileSync(this.path, 'utf8')) as { users?: Credential[] };
      for (const u of parsed.users ?? []) this.users.set(u.username, u);
    }
  }

  list(): Omit<Credential, 'salt' | 'hash'>[] {
    return [...this.users.values()].map(({ salt: _s, hash: _h, ...rest }) => rest);
  }

  /** Adds (or replaces) a device's credential and returns the password, shown once. */
  add(family: Family, deviceId: string, password = randomBytes(18).toString('base64url')): string {
    if (!FAMILIES.includes(family))
      throw new Error(`unknown family "${family}" (known: ${FAMILIES.join(', ')})`);
    if (!isValidDeviceId(deviceId)) throw new Error('device id must match [A-Za-z0-9._:-]{1,64}');
    const salt = randomBytes(16).toString('hex');
    this.users.set(deviceId, {
      username: deviceId,
      family,
      device_id: deviceId,
      salt,
      hash: hashPassword(password, salt),
      created_at: new Date().toISOString(),
    });
    this.save();
    return password;
  }

  revoke(username: string): boolean {
    const had = this.users.delete(username);
    if (had) this.save();
    return had;
  }

  verify(username: string | undefined, password: Buffer | undefined): Credential | null {
    if (!username || !password) return null;
    const user = this.users.get(username);
    if (!user) return null;
    const expected = Buffer.from(user.hash, 'hex');
    const actual = Buffer.from(hashPassword(password.toString('utf8'), user.salt), 'hex');
    return expected.length === actual.length && timingSafeEqual(expected, actual) ? user : null;
  }

  get size(): number {
    return this.users.size;
  }

  private save(): void {
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, JSON.stringify({ users: [...this.users.values()] }, null, 2), { mode: 0o600 });
    renameSync(tmp, this.path);
    chmodSync(this.path, 0o600);
  }
}

function matches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/** Topic filters a device may publish to and subscribe to, bound to its own id. */
export function aclFor(cred: Pick<Credential, 'family' | 'device_id'>, rangePrefix: string): Acl {
  return familyAcl(cred.family, cred.device_id, { rangePrefix });
}

export function mayPublish(
  cred: Pick<Credential, 'family' | 'device_id'>,
  topic: string,
  rangePrefix: string,
): boolean {
  const acl = aclFor(cred, rangePrefix);
  if (acl.denyPublish?.(topic)) return false;
  return acl.publish.some((f) => matches(f, topic));
}

export function maySubscribe(
  cred: Pick<Credential, 'family' | 'device_id'>,
  filter: string,
  rangePrefix: string,
): boolean {
  const acl = aclFor(cred, rangePrefix);
  // A subscription is allowed when every topic it can match is allowed: equal or narrower filters.
  return acl.subscribe.some(
    (allowed) =>
      allowed === filter ||
      (!filter.includes('#') && !filter.includes('+') && matches(allowed, filter)) ||
      narrower(filter, allowed),
  );
}

function narrower(filter: string, allowed: string): boolean {
  const f = filter.split('/');
  const a = allowed.split('/');
  for (let i = 0; i < f.length; i++) {
    if (a[i] === '#') return true;
    if (a[i] === undefined) return false;
    if (f[i] === '#') return false;
    if (a[i] === '+') continue;
    if (f[i] === '+' || f[i] !== a[i]) return false;
  }
  return f.length === a.length;
}

export { matches as topicMatches };
