import { describe, expect, it } from 'vitest';
import { ConfigError, resolveConfig } from './config';

const base = { env: {}, defaultDataDir: '/tmp/marshal-default' };

describe('resolveConfig', () => {
  it('defaults to an embedded broker on 1883 and HTTP on 8000 with the default data dir', () => {
    const c = resolveConfig({ ...base, argv: [] });
    expect(c).toMatchObject({
      mqttPort: 1883,
      httpPort: 8000,
      lan: false,
      brokerUrl: undefined,
      dataDir: '/tmp/marshal-default',
      neurogameApiKey: 'dev-key-change-me',
      maxPayloadBytes: 262144,
    });
  });
  it('serves the karting app on a second port only when asked', () => {
    expect(resolveConfig({ ...base, argv: [] }).kartingPort).toBeUndefined();
    expect(resolveConfig({ ...base, argv: ['--karting-port', '8001'] }).kartingPort).toBe(8001);
    expect(resolveConfig({ ...base, argv: ['--karting-port', '0'] }).kartingPort).toBe(0);
    expect(() => resolveConfig({ ...base, argv: ['--karting-port', '70000'] })).toThrow(ConfigError);
  });
  it('takes an HTTP sync destination, its token from the environment, and names the console', () => {
    const c = resolveConfig({
      ...base,
      argv: [
        '--sync-url',
        'https://up.example/ingest',
        '--sync-kinds',
        'alert, lap',
        '--console-id',
        'bay-4',
      ],
      env: { MARSHAL_SYNC_TOKEN: 't0k' },
    });
    expect(c).toMatchObject({
      syncUrl: 'https://up.example/ingest',
      syncToken: 't0k',
      syncKinds: ['alert', 'lap'],
      consoleId: 'bay-4',
    });
    expect(resolveConfig({ ...base, argv: [] }).syncUrl).toBeUndefined();
    expect(() => resolveConfig({ ...base, argv: ['--sync-url', 'ftp://x'] })).toThrow(/--sync-url/);
    expect(() => resolveConfig({ ...base, argv: ['--sync-url', 'not a url'] })).toThrow(ConfigError);
  });
  it('takes flags over the environment', () => {
    const c = resolveConfig({
      argv: ['--data-dir', '/tmp/a', '--mqtt-port', '0', '--http-port', '0', '--lan'],
      env: { MARSHAL_DATA_DIR: '/tmp/b' },
      defaultDataDir: '/x',
    });
    expect(c).toMatchObject({ dataDir: '/tmp/a', mqttPort: 0, httpPort: 0, lan: true });
    expect(
      resolveConfig({ argv: [], env: { MARSHAL_DATA_DIR: '/tmp/b' }, defaultDataDir: '/x' }).dataDir,
    ).toBe('/tmp/b');
  });
  it('reads MQTT_BROKER/MQTT_PORT/MQTT_USERNAME/MQTT_PASSWORD as an external broker', () => {
    const c = resolveConfig({
      ...base,
      argv: [],
      env: { MQTT_BROKER: 'venue.local', MQTT_PORT: '1884', MQTT_USERNAME: 'u', MQTT_PASSWORD: 'p' },
    });
    expect(c).toMatchObject({
      brokerUrl: 'mqtt://venue.local:1884',
      brokerUsername: 'u',
      brokerPassword: 'p',
    });
    expect(resolveConfig({ ...base, argv: [], env: { MQTT_BROKER: 'h' } }).brokerUrl).toBe('mqtt://h:1883');
  });
  it('refuses bad ports, unknown flags, non-MQTT URLs and half a TLS pair', () => {
    expect(() => resolveConfig({ ...base, argv: ['--mqtt-port', '70000'] })).toThrow(ConfigError);
    expect(() => resolveConfig({ ...base, argv: ['--nope'] })).toThrow(ConfigError);
    expect(() => resolveConfig({ ...base, argv: ['--broker-url', 'http://x'] })).toThrow(/mqtt/);
    expect(() => resolveConfig({ ...base, argv: ['--tls-cert', 'a.pem'] })).toThrow(/both/);
  });
  it('collects --allowed-host (repeatable) and MARSHAL_ALLOWED_HOSTS, and refuses what is not a host', () => {
    const c = resolveConfig({
      ...base,
      argv: ['--allowed-host', 'Range-Laptop.local.', '--allowed-host', '[fd00::2]'],
      env: { MARSHAL_ALLOWED_HOSTS: ' console.lan,, 10.0.2.2 ,range-laptop.local' },
    });
    expect(c.allowedHosts).toEqual(['console.lan', '10.0.2.2', 'range-laptop.local', 'fd00::2']);
    expect(resolveConfig({ ...base, argv: [] }).allowedHosts).toEqual([]);
    for (const bad of ['http://x.example', 'x.example:8000', '*', 'a b', '*.example']) {
      expect(() => resolveConfig({ ...base, argv: ['--allowed-host', bad] }), bad).toThrow(ConfigError);
    }
  });
});
