import { describe, expect, it } from 'vitest';
import { parseMessage } from '../ingest';
import { ackTopicsFor, encodeCommand } from '../families';
import { amgCommandText, bt50CommandFrames, toHex } from './encode';

const T = Date.parse('2026-03-01T10:00:00Z');
const base = { commandId: 'c-1', issuedAt: T, rangePrefix: 'leadville' };

describe('AMG Commander command lines (domain.md §2)', () => {
  it('pads settings as the timer expects', () => {
    expect(amgCommandText('remote_start', {})).toBe('COM START');
    expect(amgCommandText('remote_stop', {})).toBe('COM STOP');
    expect(amgCommandText('set_sensitivity', { level: 5 })).toBe('SET SENSITIVITY 05');
    expect(amgCommandText('set_sensitivity', { level: 10 })).toBe('SET SENSITIVITY 10');
    expect(amgCommandText('set_echo_delay', { delay_cs: 5 })).toBe('SET ECHO DELAY 005');
    expect(amgCommandText('set_echo_delay', { delay_cs: 100 })).toBe('SET ECHO DELAY 100');
    expect(amgCommandText('set_par_time', { par: 2, time_cs: 350 })).toBe('SET PAR TIME 2 350');
    expect(amgCommandText('set_beep_volume', { volume: 3 })).toBe('SET BEEP VOLUME 3');
    expect(amgCommandText('request_string', {})).toBe('REQ STRING HEX');
    expect(amgCommandText('request_settings', {})).toBe('REQ SETTINGS');
    expect(amgCommandText('nope', {})).toBeNull();
  });
});

describe('BT50 register frames (domain.md §3)', () => {
  it('reads the battery register 0x64', () => {
    expect(bt50CommandFrames('read_battery', {})!.map(toHex)).toEqual(['ffaa276400']);
  });
  it('sets the rate between unlock and save', () => {
    expect(bt50CommandFrames('set_rate', { rate_hz: 50 })!.map(toHex)).toEqual([
      'ffaa6988b5',
      'ffaa030800',
      'ffaa000000',
    ]);
    expect(bt50CommandFrames('set_rate', { rate_hz: 200 })![1]).toEqual(
      Uint8Array.from([0xff, 0xaa, 3, 0x0b, 0]),
    );
  });
  it('has no frames for the bridge-side recalibration', () => {
    expect(bt50CommandFrames('recalibrate', {})).toBeNull();
  });
});

describe('encodeCommand', () => {
  it('timer: {prefix}/timer/command with command_id, command, args and the AMG line', () => {
    const out = encodeCommand({
      ...base,
      target: 'timer',
      deviceId: 'amg-01',
      command: 'set_sensitivity',
      args: { level: 7 },
    });
    expect(out.topic).toBe('leadville/timer/command');
    expect(JSON.parse(out.payload as string)).toEqual({
      command_id: 'c-1',
      command: 'set_sensitivity',
      args: { level: 7 },
      device_id: 'amg-01',
      text: 'SET SENSITIVITY 07',
      issued_at: '2026-03-01T10:00:00.000Z',
    });
  });

  it('sensor: {prefix}/sensor/{id}/command, bare tree without a prefix', () => {
    const out = encodeCommand({
      ...base,
      rangePrefix: '',
      target: 'sensor',
      deviceId: 'bt50-01',
      command: 'read_battery',
      args: {},
    });
    expect(out.topic).toBe('sensor/bt50-01/command');
    expect(JSON.parse(out.payload as string)).toMatchObject({
      command_id: 'c-1',
      command: 'read_battery',
      args: {},
      sensor_id: 'bt50-01',
      frames_hex: ['ffaa276400'],
    });
  });

  it('cabinet: whac/{id}/commands, one raw byte at QoS 2', () => {
    const bytes = (command: string, args: Record<string, unknown> = {}) => {
      const out = encodeCommand({ ...base, target: 'cabinet', deviceId: 'a1b2c3d4e5', command, args });
      expect(out.topic).toBe('whac/a1b2c3d4e5/commands');
      expect(out.qos).toBe(2);
      return new TextDecoder().decode(out.payload as Uint8Array);
    };
    expect(['start', 'reset', 'pause', 'identify', 'disconnect'].map((c) => bytes(c))).toEqual([
      'S',
      'R',
      'P',
      'I',
      'D',
    ]);
    expect([1, 8].map((level) => bytes('set_level', { level }))).toEqual(['1', '8']);
  });

  it("gateway: devices/{id}/commands in the gateway's own shapes", () => {
    const out = encodeCommand({
      ...base,
      target: 'gateway',
      deviceId: 'gw-1',
      command: 'set_actuator',
      args: { room: 'fruiting', actuator: 'mist_maker', state: 'on' },
    });
    expect(out.topic).toBe('devices/gw-1/commands');
    expect(JSON.parse(out.payload as string)).toEqual({
      room: 'fruiting',
      actuator: 'mist_maker',
      state: 'ON',
      source: 'marshal',
      timestamp: '2026-03-01T10:00:00.000Z',
    });
    const auto = encodeCommand({
      ...base,
      target: 'gateway',
      deviceId: 'gw-1',
      command: 'set_auto_mode',
      args: { enabled: false },
    });
    expect(JSON.parse(auto.payload as string)).toEqual({ command_type: 'set_auto_mode', enabled: false });
  });

  it('refuses ids that cannot be topic levels', () => {
    expect(() =>
      encodeCommand({ ...base, target: 'cabinet', deviceId: 'a/b', command: 'stop', args: {} }),
    ).toThrow(/device id/);
    expect(() =>
      encodeCommand({ ...base, target: 'sensor', deviceId: '+', command: 'recalibrate', args: {} }),
    ).toThrow(/device id/);
  });
});

describe('acknowledgements', () => {
  const opts = { rangePrefix: 'leadville', maxPayloadBytes: 262_144 };

  it('lists the ack topics per target', () => {
    expect(ackTopicsFor('timer', 'amg-01', 'leadville')).toEqual([
      'leadville/timer/command/ack',
      'timer/command/ack',
    ]);
    expect(ackTopicsFor('sensor', 's1', 'leadville')).toEqual([
      'leadville/sensor/s1/command/ack',
      'sensor/s1/command/ack',
    ]);
    expect(ackTopicsFor('cabinet', 'cab-1', 'leadville')).toEqual([]);
    expect(ackTopicsFor('gateway', 'gw-1', 'leadville')).toEqual(['devices/gw-1/commands/ack']);
  });

  it('ingests the optional range acks as command.ack events', () => {
    const enc = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));
    const timer = parseMessage('leadville/timer/command/ack', enc({ command_id: 'c-9', ok: true }), T, opts);
    expect(timer).toMatchObject({
      outcome: 'events',
      family: 'range',
      events: [
        { kind: 'command.ack', device_id: 'timer', data: { command_id: 'c-9', ok: true, error: null } },
      ],
    });
    const sensor = parseMessage(
      'sensor/s1/command/ack',
      enc({ command_id: 'c-10', success: false, message: 'busy' }),
      T,
      opts,
    );
    expect(sensor).toMatchObject({
      outcome: 'events',
      events: [
        { kind: 'command.ack', device_id: 's1', data: { command_id: 'c-10', ok: false, error: 'busy' } },
      ],
    });
    expect(parseMessage('leadville/timer/command/ack', enc({ command_id: 'c-9' }), T, opts)).toMatchObject({
      outcome: 'reject',
      reason: expect.stringMatching(/ok/),
    });
    expect(
      parseMessage('leadville/timer/command/ack', enc({ command_id: 'a b', ok: true }), T, opts),
    ).toMatchObject({ outcome: 'reject', code: 'invalid_id' });
    // The console's own commands stay outside ingest.
    expect(parseMessage('leadville/timer/command', enc({ command_id: 'x' }), T, opts)).toEqual({
      outcome: 'unhandled',
    });
  });
});
