import { mkdtempSync, rmSync, statSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CredentialStore, mayPublish, maySubscribe } from './credentials';

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
