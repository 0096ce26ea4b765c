/**
 * An in-process console for bridge tests: the real core (store, broker, ingest, every module)
 * and the real HTTP host, with the bridges module given a fixed BLE transport — the fake GATT
 * transport — since this machine has no Bluetooth. Everything above the GattTransport interface
 * runs as in production.
 */
import { createCore, type CoreInternals } from '../../src-main/core';
import { resolveConfig } from '../../src-main/core/config';
import { PLUGINS } from '../../src-main/plugins';
import { createBridgesPlugin, type BridgesModuleOptions } from '../../src-main/bridges';
import { startHttpHost, type HttpHost } from '../../src-main/host/http';
import { makeTempDir, removeDir } from '../helpers/serve';

export interface Console {
  core: CoreInternals;
  host: HttpHost;
  httpUrl: string;
  mqttUrl: string;
  dataDir: string;
  stop(): Promise<void>;
}

export async function startConsole(
  bridges: BridgesModuleOptions,
  { args = [], dataDir }: { args?: string[]; dataDir?: string } = {},
): Promise<Console> {
  const dir = dataDir ?? makeTempDir('marshal-bridges-');
  const config = resolveConfig({
    argv: ['--data-dir', dir, '--mqtt-port', '0', '--http-port', '0', ...args],
    env: {},
    defaultDataDir: dir,
  });
  const plugins = PLUGINS.map((p) => (p.name === 'bridges' ? createBridgesPlugin(bridges) : p));
  const core = createCore(config, plugins);
  await core.start();
  const host = await startHttpHost(core, { port: 0, lan: false });
  let stopped = false;
  return {
    core,
    host,
    httpUrl: host.urls[0]!,
    mqttUrl: core.mqttUrls()[0]!,
    dataDir: dir,
    async stop() {
      if (stopped) return;
      stopped = true;
      await host.close();
      await core.stop();
      if (!dataDir) removeDir(dir);
    },
  };
}

export async function http<T = Record<string, unknown>>(
  url: string,
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' = 'GET',
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // keep text
  }
  return { status: res.status, body: parsed as T };
}
