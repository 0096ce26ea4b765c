/**
 * `npm run serve`: the console with no window — core, web UI, JSON API and /live — for a headless
 * laptop or a Raspberry Pi at the range.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { homedir } from 'node:os';
import { ConfigError, resolveConfig } from './core/config';
import { createCore } from './core';
import { PLUGINS } from './plugins';
import { startHttpHost } from './host/http';

function defaultRendererDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // Built: out/main/serve.js → out/renderer. From source (tsx): src-main/serve.ts → out/renderer.
  const built = join(here, '../renderer');
  return existsSync(built) ? built : resolve(here, '../out/renderer');
}

async function main(): Promise<void> {
  let config;
  try {
    config = resolveConfig({
      argv: process.argv.slice(2),
      env: process.env,
      defaultDataDir: join(homedir(), '.marshal'),
    });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`marshal serve: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const core = createCore(config, PLUGINS);
  await core.start();
  const host = await startHttpHost(core, {
    port: config.httpPort,
    lan: config.lan,
    allowedHosts: config.allowedHosts,
    rendererDir: process.env.MARSHAL_RENDERER_DIR ?? defaultRendererDir(),
  });
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`marshal: ${signal}, stopping\n`);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    try {
      await host.close();
      await core.stop();
      process.exit(0);
    } catch (err) {
      process.stderr.write(`marshal: stop failed: ${(err as Error).message}\n`);
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  // Ready only now: a supervisor may signal the moment it sees the URLs.
  for (const url of core.mqttUrls()) process.stdout.write(`${url}\n`);
  for (const url of host.urls) process.stdout.write(`${url}\n`);
  for (const m of core.modules) for (const line of m.urls?.() ?? []) process.stdout.write(`${line}\n`);
  process.stderr.write(
    `marshal: data in ${config.dataDir}${config.lan ? ' (LAN mode: devices need credentials)' : ''}\n`,
  );
}

main().catch((err: Error) => {
  process.stderr.write(`marshal serve: ${err.message}\n`);
  process.exit(1);
});
