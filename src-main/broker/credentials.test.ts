import { mkdtempSync, rmSync, statSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AttemptLimiter, CredentialStore, clientIdOwner, mayPublish, maySubscribe } from './credentials';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'marshal-cred-'));
  dirs.push(d);
  return d;
};

describe('CredentialStore', () => {
  it('verifies the password it issued, keeps only a hash, and survives a reload', () => {
    const dir = tmp();
    const store = new CredentialStore(dir);
    const pw = store.add('whackamole', 'cab-1');
    expect(store.verify('cab-1', Buffer.from(pw))?.family).toBe('whackamole');
    expect(store.verify('cab-1', Buffer.from(`${pw}x`))).toBeNull();
    expect(store.verify('nobody', Buffer.from(pw))).toBeNull();
    const file = readFileSync(store.path, 'utf8');
    expect(file).not.toContain(pw);
    expect(statSync(store.path).mode & 0o777).toBe(0o600);
    expect(new CredentialStore(dir).verify('cab-1', Buffer.from(pw))).not.toBeNull();
  });

  it('refuses hostile ids and unknown families', () => {
    const store = new CredentialStore(tmp());
    expect(() => store.add('whackamole', 'a/b')).toThrow(/device id/);
    expect(() => store.add('nope' as never, 'a')).toThrow(/unknown family/);
  });

  it('revokes', () => {
    const store = new CredentialStore(tmp());
    const pw = store.add('gateway', 'gw-1');
    expect(store.revoke('gw-1')).toBe(true);
    expect(store.verify('gw-1', Buffer.from(pw))).toBeNull();
  });
});

describe('ACL', () => {
  const cab = { family: 'whackamole' as const, device_id: 'cab-1' };
  const bridge = { family: 'range' as const, device_id: 'bridge-1' };
  it('lets a device publish only as itself', () => {
    expect(mayPublish(cab, 'whackamole/cab-1/status', 'leadville')).toBe(true);
    expect(mayPublish(cab, 'whackamole/cab-2/status', 'leadville')).toBe(false);
    expect(mayPublish(cab, 'whackamole/cab-1/config', 'leadville')).toBe(false);
    expect(mayPublish(cab, 'leadville/timer/events', 'leadville')).toBe(false);
  });
  it('lets a range bridge publish its tree but not commands', () => {
    expect(mayPublish(bridge, 'leadville/sensor/s1/telemetry', 'leadville')).toBe(true);
    expect(mayPublish(bridge, 'leadville/timer/command', 'leadville')).toBe(false);
    expect(mayPublish(bridge, 'whackamole/x/status', 'leadville')).toBe(false);
  });
  it('lets a device read only its own commands and configuration', () => {
    expect(maySubscribe(cab, 'whackamole/cab-1/config', 'leadville')).toBe(true);
    expect(maySubscribe(cab, 'whackamole/cab-1/#', 'leadville')).toBe(false);
    expect(maySubscribe(cab, 'whackamole/+/command', 'leadville')).toBe(false);
    expect(maySubscribe(cab, '#', 'leadville')).toBe(false);
    expect(maySubscribe(bridge, 'leadville/sensor/+/command', 'leadville')).toBe(true);
    expect(maySubscribe(bridge, 'leadville/sensor/s1/command', 'leadville')).toBe(true);
  });
});

describe('password checks off the event loop', () => {
  it('verifyAsync lets the event loop turn while scrypt runs, and agrees with verify', async () => {
    const store = new CredentialStore(tmp());
    const pw = store.add('gateway', 'gw-a');
    let turns = 0;
    let done = false;
    const tick = () => {
      turns++;
      if (!done) setImmediate(tick);
    };
    setImmediate(tick);
    const [ok, bad] = await Promise.all([
      store.verifyAsync('gw-a', Buffer.from(pw)),
      store.verifyAsync('gw-a', Buffer.from('nope')),
    ]);
    done = true;
    expect(ok?.device_id).toBe('gw-a');
    expect(bad).toBeNull();
    // With scryptSync the result would be there before the loop turned even once.
    expect(turns).toBeGreaterThan(0);
  });
});

describe('client id ownership', () => {
  const ids = ['cab-1', 'cab', 'cab-2', 'MASH-B2-CE637C', 'leadville-bridge'];
  it.each([
    ['cab-1', 'cab-1'],
    ['cab-1-main', 'cab-1'],
    ['it-cab-1-0', 'cab-1'],
    ['cab-9', 'cab'],
    ['cab', 'cab'],
    ['mash_iot_MASH-B2-CE637C', 'MASH-B2-CE637C'],
    ['leadville-bridge-1757795626', 'leadville-bridge'],
    ['cab-10', 'cab'],
    ['cab1', null],
    ['xcab-1', null],
    ['cab-1-cab-2', null],
  ])('%s belongs to %s', (clientId, owner) => {
    expect(clientIdOwner(clientId, ids)).toBe(owner);
  });
});

describe('AttemptLimiter', () => {
  it('allows a burst, then one per refill period; a success gives its token back', () => {
    const l = new AttemptLimiter(3, 1000);
    const t0 = 1_000_000;
    expect([1, 2, 3].map(() => l.take(['a'], t0))).toEqual([true, true, true]);
    expect(l.take(['a'], t0)).toBe(false);
    expect(l.take(['b'], t0)).toBe(true);
    expect(l.take(['a'], t0 + 1000)).toBe(true);
    expect(l.take(['a'], t0 + 1000)).toBe(false);
    l.refund(['a'], t0 + 1000);
    expect(l.take(['a'], t0 + 1000)).toBe(true);
  });
});
