import { describe, expect, it } from 'vitest';
import { parseSimulatorArgs, usage, UsageError } from './args';
import { redactUrl, resolveBroker } from './mqtt';

describe('simulate flags', () => {
  it('defaults', () => {
    expect(parseSimulatorArgs([])).toEqual({ help: false, scenario: 'range', quiet: false });
  });

  it('parses every flag', () => {
    const cmd = parseSimulatorArgs([
      '--broker-url',
      'mqtt://u:p@h:1884',
      '--scenario',
      'range',
      '--duration',
      '20',
      '--rate',
      '200',
      '--sensors',
      '20',
      '--prefix',
      'site1',
      '--seed',
      '42',
      '--telemetry-qos',
      '1',
      '--telemetry-shape',
      'single',
      '--tick-ms',
      '10',
      '--quiet',
    ]);
    expect(cmd).toEqual({
      help: false,
      brokerUrl: 'mqtt://u:p@h:1884',
      scenario: 'range',
      durationS: 20,
      rateHz: 200,
      sensors: 20,
      prefix: 'site1',
      seed: 42,
      telemetryQos: 1,
      telemetryShape: 'single',
      tickMs: 10,
      quiet: true,
    });
    expect(parseSimulatorArgs(['--seed', 'demo-day'])).toMatchObject({ seed: 'demo-day' });
    expect(parseSimulatorArgs(['-h'])).toEqual({ help: true });
    expect(usage()).toContain('--scenario NAME');
  });

  it('an unknown scenario is a usage error (exit 2) listing the known ones', () => {
    let err: unknown;
    try {
      parseSimulatorArgs(['--scenario', 'bowling']);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).exitCode).toBe(2);
    expect((err as UsageError).message).toMatch(
      /unknown scenario "bowling"; known scenarios: range, .*\ball$/,
    );
  });

  it('rejects bad values and unknown flags', () => {
    for (const argv of [
      ['--rate', 'fast'],
      ['--rate', '0'],
      ['--sensors', '-1'],
      ['--sensors', '2.5'],
      ['--duration', '0'],
      ['--telemetry-qos', '2'],
      ['--telemetry-shape', 'csv'],
      ['--prefix', 'a/#'],
      ['--bogus'],
      ['positional'],
    ]) {
      expect(() => parseSimulatorArgs(argv), argv.join(' ')).toThrow(UsageError);
    }
  });
});

describe('broker selection', () => {
  it('flag first, then MQTT_BROKER/MQTT_PORT, then the default', () => {
    expect(resolveBroker(undefined, {})).toEqual({ url: 'mqtt://127.0.0.1:1883' });
    expect(resolveBroker(undefined, { MQTT_BROKER: 'broker.lan' })).toEqual({
      url: 'mqtt://broker.lan:1883',
    });
    expect(resolveBroker(undefined, { MQTT_BROKER: 'broker.lan', MQTT_PORT: '8883' }).url).toBe(
      'mqtt://broker.lan:8883',
    );
    expect(resolveBroker(undefined, { MQTT_BROKER: 'broker.lan:1999' }).url).toBe('mqtt://broker.lan:1999');
    expect(resolveBroker(undefined, { MQTT_BROKER: 'mqtts://x.example:8883' }).url).toBe(
      'mqtts://x.example:8883',
    );
    expect(resolveBroker('mqtt://flag:1', { MQTT_BROKER: 'env' }).url).toBe('mqtt://flag:1');
  });

  it('credentials from the URL, else MQTT_USERNAME/MQTT_PASSWORD; never left in the URL', () => {
    expect(resolveBroker('mqtt://dev%40x:s%3Acret@h:1883', {})).toEqual({
      url: 'mqtt://h:1883',
      username: 'dev@x',
      password: 's:cret',
    });
    expect(resolveBroker('mqtt://h:1883', { MQTT_USERNAME: 'u', MQTT_PASSWORD: 'p' })).toEqual({
      url: 'mqtt://h:1883',
      username: 'u',
      password: 'p',
    });
  });

  it('rejects unusable URLs without echoing the password', () => {
    expect(() => resolveBroker('http://h', {})).toThrow(/unsupported broker URL scheme/);
    expect(() => resolveBroker('::nonsense::', {})).toThrow(/invalid broker URL/);
    expect(redactUrl('mqtts://user:secret@h:8883')).toBe('mqtts://user:***@h:8883');
    expect(redactUrl('mqtt://h:1883')).toBe('mqtt://h:1883');
  });
});
