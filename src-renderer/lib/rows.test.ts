import { describe, expect, it } from 'vitest';
import { normalizeClients, normalizeDevices, normalizeSensors } from './rows';

describe('normalizeSensors', () => {
  it('fills missing or mistyped fields with null, drops rows without an id, and sorts', () => {
    const rows = normalizeSensors([
      {
        sensor_id: 'b',
        online: true,
        battery: 50,
        rssi: -60,
        temperature_c: 21.5,
        rate_hz: 200,
        last_seen: 'x',
        calibrated: true,
      },
      { sensor_id: 'a', online: 'yes', battery: '50', rssi: NaN },
      { online: true },
      null,
      'garbage',
    ]);
    expect(rows.map((r) => r.sensor_id)).toEqual(['a', 'b']);
    expect(rows[0]).toEqual({
      sensor_id: 'a',
      online: false,
      battery: null,
      rssi: null,
      temperature_c: null,
      rate_hz: null,
      last_seen: null,
      calibrated: null,
      state: null,
    });
    expect(rows[1]?.battery).toBe(50);
  });
  it('returns [] for a non-array', () => {
    expect(normalizeSensors(undefined)).toEqual([]);
    expect(normalizeSensors({})).toEqual([]);
  });
});

describe('normalizeDevices', () => {
  it('sorts online first, then by family and id, and tolerates missing fields', () => {
    const rows = normalizeDevices([
      { device_id: 'z', family: 'leadville', online: false },
      { device_id: 'b', family: 'whackamole', online: true },
      { device_id: 'a', online: true },
    ]);
    expect(rows.map((r) => [r.device_id, r.family, r.online])).toEqual([
      ['a', 'unknown', true],
      ['b', 'whackamole', true],
      ['z', 'leadville', false],
    ]);
    expect(rows[0]?.battery).toBeNull();
  });
});

describe('normalizeClients', () => {
  it('keeps hostile ids as plain strings (rendered as text) and sorts', () => {
    const rows = normalizeClients([
      { client_id: '<img src=x onerror=alert(1)>', connected_at: 'now' },
      { client_id: 'a', address: '1.2.3.4:5', username: null, connected_at: 'now' },
      { address: 'no id' },
    ]);
    expect(rows.map((r) => r.client_id)).toEqual(['<img src=x onerror=alert(1)>', 'a']);
    expect(rows[1]?.address).toBe('1.2.3.4:5');
  });
});
