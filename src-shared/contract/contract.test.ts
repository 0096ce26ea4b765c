import { describe, expect, it } from 'vitest';
import { COMMAND_NAMES, ContractError, commandSchemas, isCommandName, parseRequest } from './index';
import { createFakeTransport } from './fake';

describe('contract', () => {
  it('has one schema per command name', () => {
    expect([...COMMAND_NAMES].sort()).toEqual(Object.keys(commandSchemas).sort());
    expect(isCommandName('events.list')).toBe(true);
    expect(isCommandName('__proto__')).toBe(false);
    expect(isCommandName('constructor')).toBe(false);
  });

  it('validates requests with readable reasons', () => {
    expect(parseRequest('events.list', { kind: 'timer.shot', limit: 5 })).toEqual({
      kind: 'timer.shot',
      limit: 5,
    });
    expect(() => parseRequest('events.list', { limit: 10_001 })).toThrow(ContractError);
    expect(() => parseRequest('events.list', { kind: 'nope' })).toThrow(/kind/);
    expect(() => parseRequest('events.list', { extra: 1 })).toThrow(/invalid events.list request/);
    expect(() => parseRequest('telemetry.recent', { sensor_id: '<script>' })).toThrow(/sensor_id/);
    expect(() => parseRequest('health.get', { sneaky: true })).toThrow(ContractError);
    expect(parseRequest('health.get', undefined)).toBeUndefined();
  });

  it('serves handlers through the fake transport with validation and copies', async () => {
    const shared = { sensors: [] as unknown[] };
    const fake = createFakeTransport({
      'sensors.list': () => shared as never,
      'events.list': (req) => ({ events: [], next: req.limit === 1 ? 'x' : null }),
    });
    const res = await fake.bridge.call('sensors.list', undefined);
    expect(res).toEqual({ sensors: [] });
    expect(res).not.toBe(shared);
    expect(await fake.bridge.call('events.list', { limit: 1 })).toEqual({ events: [], next: 'x' });
    await expect(fake.bridge.call('events.list', { limit: -1 })).rejects.toMatchObject({ status: 400 });
    await expect(fake.bridge.call('clients.list', undefined)).rejects.toMatchObject({
      status: 503,
      message: 'clients.list is not available',
    });
  });

  it('delivers pushes to subscribers until they unsubscribe', () => {
    const fake = createFakeTransport({});
    const got: number[] = [];
    const off = fake.bridge.on('rejects', (rows) => got.push(rows.length));
    fake.push('rejects', []);
    off();
    fake.push('rejects', []);
    expect(got).toEqual([0]);
  });
});
