import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../core/config';
import { appArgv, describeStartupError } from './startup';

describe('appArgv', () => {
  it('takes the flags after the app path when run as `electron <app>`', () => {
    const { args, ignored } = appArgv(
      ['/x/electron', '--inspect=0', 'out/main/index.js', '--data-dir', '/tmp/d', '--mqtt-port=0', '--lan'],
      true,
    );
    expect(args).toEqual(['--data-dir', '/tmp/d', '--mqtt-port=0', '--lan']);
    expect(ignored).toEqual(['--inspect=0', 'out/main/index.js']);
  });

  it('takes everything after the executable when packaged, minus Chromium switches', () => {
    const { args, ignored } = appArgv(
      ['/opt/Marshal/marshal', '--no-sandbox', '--broker-url', 'mqtt://h:1883', '--enable-logging', 'stray'],
      false,
    );
    expect(args).toEqual(['--broker-url', 'mqtt://h:1883']);
    expect(ignored).toEqual(['--no-sandbox', '--enable-logging', 'stray']);
  });

  it('passes a trailing flag without its value on, so the config reports it', () => {
    expect(appArgv(['exe', '--data-dir'], false).args).toEqual(['--data-dir']);
  });

  it('yields arguments resolveConfig accepts', () => {
    const { args } = appArgv(['exe', '.', '--data-dir', '/tmp/m', '--mqtt-port', '0', '--no-sandbox'], true);
    const config = resolveConfig({ argv: args, env: {}, defaultDataDir: '/default' });
    expect(config.dataDir).toBe('/tmp/m');
    expect(config.mqttPort).toBe(0);
    expect(resolveConfig({ argv: appArgv(['exe'], false).args, env: {}, defaultDataDir: '/d' }).dataDir).toBe(
      '/d',
    );
  });
});

describe('describeStartupError', () => {
  it('explains a busy MQTT port', () => {
    const err = Object.assign(new Error('listen EADDRINUSE: address already in use :::1883'), {
      code: 'EADDRINUSE',
      port: 1883,
    });
    const text = describeStartupError(err, { mqttPort: 1883 });
    expect(text).toContain('1883');
    expect(text).toContain('--mqtt-port');
  });

  it('explains a native module built for the wrong runtime', () => {
    const err = Object.assign(
      new Error('was compiled against a different Node.js version using NODE_MODULE_VERSION 115'),
      {
        code: 'ERR_DLOPEN_FAILED',
      },
    );
    expect(describeStartupError(err)).toContain('MARSHAL_SQLITE_BINDING');
  });

  it('falls back to the message', () => {
    expect(describeStartupError(new Error('boom'))).toBe('boom');
    expect(describeStartupError('plain')).toBe('plain');
  });
});
