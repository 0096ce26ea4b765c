/**
 * Playwright fixtures: the built headless console (started by the tests' one launcher,
 * tests/helpers/serve.ts) on free ports in a throw-away data dir, and the simulator CLI.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { test as base } from '@playwright/test';
import { BUILT_SERVE_ENTRY, ROOT, startServe } from '../tests/helpers/serve';

export interface Served {
  mqttUrl: string;
  httpUrl: string;
  dataDir: string;
}

async function stopProc(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await exited;
}

export const test = base.extend<{ served: Served }>({
  // Playwright fixtures must destructure their dependencies, even when there are none.
  // eslint-disable-next-line no-empty-pattern
  served: async ({}, use) => {
    const serve = await startServe({ entry: BUILT_SERVE_ENTRY });
    try {
      await use({ mqttUrl: serve.mqttUrl, httpUrl: serve.httpUrl, dataDir: serve.dataDir });
    } finally {
      await serve.dispose();
    }
  },
});

export { expect } from '@playwright/test';

/** Runs the simulator CLI against the console for a while; resolves the process handle. */
export function simulate(brokerUrl: string, args: string[]): ChildProcess {
  return spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, 'src-main/simulator/cli.ts'), '--broker-url', brokerUrl, ...args],
    {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
}

export async function stopSimulator(proc: ChildProcess): Promise<void> {
  await stopProc(proc);
}
