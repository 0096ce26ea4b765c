import { randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';
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

  /**
   * The same check off the event loop: scrypt runs on libuv's thread pool, so a flood of wrong
   * passwords costs the flooder's connections time, not everyone's ingest latency.
   */
  verifyAsync(username: string | undefined, password: Buffer | undefined): Promise<Credential | null> {
    if (!username || !password) return Promise.resolve(null);
    const user = this.users.get(username);
    if (!user) return Promise.resolve(null);
    const expected = Buffer.from(user.hash, 'hex');
    return new Promise((resolve) =>
      scrypt(password.toString('utf8'), user.salt, 32, (err, actual) => {
        if (err) return resolve(null);
        // Revoked while hashing: the credential no longer exists.
        if (this.users.get(username) !== user) return resolve(null);
        resolve(expected.length === actual.length && timingSafeEqual(expected, actual) ? user : null);
      }),
    );
  }

  /** Device ids of every credential (for the client-id ownership rule). */
  deviceIds(): string[] {
    return [...this.users.values()].map((u) => u.device_id);
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

/** True when `id` appears in `clientId` as a whole part: at an end or next to a non-alphanumeric. */
function containsPart(clientId: string, id: string): boolean {
  const alnum = (c: string | undefined) => c !== undefined && /[A-Za-z0-9]/.test(c);
  for (let at = clientId.indexOf(id); at >= 0; at = clientId.indexOf(id, at + 1)) {
    if (!alnum(clientId[at - 1]) && !alnum(clientId[at + id.length])) return true;
  }
  return false;
}

/**
 * Which credential's device a client id belongs to: the device whose id appears in it as a whole
 * part (`cab-1`, `cab-1-sub`, `it-cab-1-0`, `mash_iot_MASH-B2-CE637C`, `leadville-bridge-1757795626`
 * for a credential named `leadville-bridge`). When several do, the longest id wins (`cab-1-x` is
 * cab-1's, not cab's); two of the same length make the id nobody's. Null: no credential's.
 */
export function clientIdOwner(clientId: string, deviceIds: readonly string[]): string | null {
  let best: string | null = null;
  let tie = false;
  for (const id of deviceIds) {
    if (!containsPart(clientId, id)) continue;
    if (best === null || id.length > best.length) {
      best = id;
      tie = false;
    } else if (id.length === best.length && id !== best) tie = true;
  }
  return tie ? null : best;
}

/**
 * Failed CONNECTs per key (remote address, username) as a token bucket: `burst` attempts at once,
 * then one every `refillMs`. An attempt takes a token before its password is checked (so a burst
 * of parallel attempts is bounded too); a success gives it back.
 */
export class AttemptLimiter {
  private buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly burst: number,
    private readonly refillMs: number,
    private readonly maxKeys = 10_000,
  ) {}

  private bucket(key: string, now: number) {
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= this.maxKeys) this.prune(now);
      b = { tokens: this.burst, at: now };
      this.buckets.set(key, b);
    }
    const refill = Math.floor((now - b.at) / this.refillMs);
    if (refill > 0) {
      b.tokens = Math.min(this.burst, b.tokens + refill);
      b.at = b.tokens === this.burst ? now : b.at + refill * this.refillMs;
    }
    return b;
  }

  private prune(now: number): void {
    for (const [k, b] of this.buckets) {
      if (b.tokens + (now - b.at) / this.refillMs >= this.burst) this.buckets.delete(k);
    }
    // Still full of live keys (a spray from many addresses): forget the oldest half.
    if (this.buckets.size >= this.maxKeys) {
      let n = Math.floor(this.maxKeys / 2);
      for (const k of this.buckets.keys()) {
        if (n-- <= 0) break;
        this.buckets.delete(k);
      }
    }
  }

  /** Takes a token from every key; false (taking none) when one of them is empty. */
  take(keys: string[], now = Date.now()): boolean {
    const bs = keys.map((k) => this.bucket(k, now));
    if (bs.some((b) => b.tokens < 1)) return false;
    for (const b of bs) b.tokens--;
    return true;
  }

  /** Gives back the tokens of a successful attempt. */
  refund(keys: string[], now = Date.now()): void {
    for (const k of keys) {
      const b = this.bucket(k, now);
      b.tokens = Math.min(this.burst, b.tokens + 1);
    }
  }
}
