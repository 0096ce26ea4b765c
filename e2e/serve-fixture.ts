import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { test as base } from '@playwright/test';

const ROOT = resolve(import.meta.dirname, '..');

export interface Served {
  mqttUrl: string;
  httpUrl: string;
  dataDir: string;
}

/** Starts the built headless console on free ports in a throw-away data dir; ready = URLs printed. */
async function startServe(): Promise<{ served: Served; proc: ChildProcess }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'marshal-e2e-'));
  const proc = spawn(
    process.execPath,
    [join(ROOT, 'out/main/serve.js'), '--data-dir', dataDir, '--mqtt-port', '0', '--http-port', '0'],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines = createInterface({ input: proc.stdout! });
  const urls: string[] = [];
  const served = await new Promise<Served>((resolvePromise, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`serve did not print its URLs in time; stderr: ${stderr}`)),
      30_000,
    );
    proc.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
    lines.on('line', (line) => {
      urls.push(line.trim());
      const mqttUrl = urls.find((u) => u.startsWith('mqtt://'));
      const httpUrl = urls.find((u) => u.startsWith('http://'));
      if (mqttUrl && httpUrl) {
        clearTimeout(timer);
        resolvePromise({ mqttUrl, httpUrl, dataDir });
      }
    });
  });
  return { served, proc };
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
    const { served, proc } = await startServe();
    try {
      await use(served);
    } finally {
      await stopProc(proc);
      rmSync(served.dataDir, { recursive: true, force: true });
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
