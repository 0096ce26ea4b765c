/**
 * The one server launcher of the tests: integration tests run `src-main/serve.ts` (through tsx),
 * the e2e specs the built `out/main/serve.js`, each as a real child process in a throw-away data
 * directory; both wait for its readiness signal (the printed URLs) and always clean up.
 *
 * Readiness is the printed URL lines, never a sleep. Everything that waits has a deadline.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type {
  EventPage,
  HealthSnapshot,
  RejectPage,
  SensorRow,
  Stats,
} from '../../src-shared/contract/types';
import type { MarshalEvent } from '../../src-shared/events/model';

export const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');
export const SERVE_ENTRY = join(ROOT, 'src-main/serve.ts');
/** What `npx electron-vite build` makes of it: the e2e specs test the built console. */
export const BUILT_SERVE_ENTRY = join(ROOT, 'out/main/serve.js');

/** Generous: a loaded 2-core machine may take a while to compile and start. */
export const READY_TIMEOUT_MS = 30_000;
export const DEFAULT_DEADLINE_MS = 20_000;

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ServeOptions {
  /** Reuse a data directory (restart tests); otherwise a fresh temp dir is made and removed. */
  dataDir?: string;
  /** Extra flags after `--data-dir DIR`. Defaults to `--mqtt-port 0 --http-port 0`. */
  args?: string[];
  /** Replace the default port flags entirely (CLI tests). */
  rawArgs?: string[];
  /** Extra environment; MQTT_* and MARSHAL_* from the test runner's environment are dropped. */
  env?: Record<string, string | undefined>;
  /** Spawn in its own process group (for group-signal tests). */
  detached?: boolean;
  readyTimeoutMs?: number;
  /**
   * Another serve entry (e.g. a patched copy, to check that a test can fail, or the build's
   * BUILT_SERVE_ENTRY). A `.ts` entry runs through tsx. The environment variable
   * MARSHAL_IT_SERVE_ENTRY sets it for a whole run.
   */
  entry?: string;
}

export interface ServeHandle {
  proc: ChildProcess;
  pid: number;
  dataDir: string;
  /** The first mqtt(s):// or ws(s):// URL printed. */
  mqttUrl: string;
  /** The first http:// URL printed (loopback first). */
  httpUrl: string;
  /** Every stdout line so far. */
  stdoutLines(): string[];
  stdout(): string;
  stderr(): string;
  exited: Promise<ExitInfo>;
  /** True while the process has not exited. */
  alive(): boolean;
  /** Sends a signal (default SIGTERM) and waits for exit, with a deadline. */
  stop(signal?: NodeJS.Signals, deadlineMs?: number): Promise<ExitInfo>;
  /** SIGKILL and wait until the process is gone. */
  kill9(): Promise<ExitInfo>;
  /** Stops it (SIGTERM, SIGKILL past the deadline) and removes the temp data dir it was given. */
  dispose(): Promise<void>;
}

interface Tracked {
  proc: ChildProcess;
  exited: Promise<ExitInfo>;
  tempDir: string | null;
}

const tracked = new Set<Tracked>();

function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(MQTT_|MARSHAL_|NEUROGAME_)/.test(k)) continue;
    env[k] = v;
  }
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export function makeTempDir(prefix = 'marshal-it-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
}

/** Spawns serve without waiting for readiness (CLI tests that expect failure use this). */
export function spawnServe(opts: ServeOptions = {}): {
  proc: ChildProcess;
  dataDir: string;
  exited: Promise<ExitInfo>;
  out: { stdout: string; stderr: string };
  tracked: Tracked;
} {
  const tempDir = opts.dataDir ? null : makeTempDir();
  const dataDir = opts.dataDir ?? tempDir!;
  const args = opts.rawArgs ?? [
    '--data-dir',
    dataDir,
    '--mqtt-port',
    '0',
    '--http-port',
    '0',
    ...(opts.args ?? []),
  ];
  const entry = opts.entry || process.env.MARSHAL_IT_SERVE_ENTRY || SERVE_ENTRY;
  // One process (node, with the tsx loader for sources), so signals and SIGKILL reach serve
  // itself, not a wrapper.
  const proc = spawn(
    process.execPath,
    [...(entry.endsWith('.ts') ? ['--import', 'tsx'] : []), entry, ...args],
    {
      cwd: ROOT,
      env: cleanEnv(opts.env),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: opts.detached ?? false,
    },
  );
  const out = { stdout: '', stderr: '' };
  proc.stdout!.setEncoding('utf8');
  proc.stderr!.setEncoding('utf8');
  proc.stdout!.on('data', (d: string) => (out.stdout += d));
  proc.stderr!.on('data', (d: string) => (out.stderr += d));
  // 'close', not 'exit': by then stdout and stderr are fully read.
  const exited = new Promise<ExitInfo>((res) => proc.once('close', (code, signal) => res({ code, signal })));
  const t: Tracked = { proc, exited, tempDir };
  tracked.add(t);
  return { proc, dataDir, exited, out, tracked: t };
}

function isAlive(proc: ChildProcess): boolean {
  return proc.exitCode === null && proc.signalCode === null;
}

async function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, rej) => {
    timer = setTimeout(() => rej(new Error(`deadline of ${ms} ms passed: ${what}`)), ms);
  });
  try {
    return await Promise.race([p, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Starts serve and resolves once it printed its mqtt and http URLs. */
export async function startServe(opts: ServeOptions = {}): Promise<ServeHandle> {
  const { proc, dataDir, exited, out, tracked: t } = spawnServe(opts);
  const timeout = opts.readyTimeoutMs ?? READY_TIMEOUT_MS;
  const lines = () => out.stdout.split('\n').filter((l) => l.length > 0);
  const ready = new Promise<{ mqttUrl: string; httpUrl: string }>((res, rej) => {
    const check = () => {
      // serve prints every mqtt URL, then every http URL (loopback first); the first complete
      // http line means both groups are out.
      const complete = out.stdout.slice(0, out.stdout.lastIndexOf('\n') + 1);
      const ls = complete.split('\n').filter(Boolean);
      const mqttUrl = ls.find((l) => /^(mqtts?|wss?|tcp|ssl|tls):\/\//.test(l));
      const httpUrl =
        ls.find((l) => l.startsWith('http://127.0.0.1:')) ?? ls.find((l) => l.startsWith('http://'));
      if (mqttUrl && httpUrl) {
        proc.stdout!.off('data', check);
        res({ mqttUrl, httpUrl });
      }
    };
    proc.stdout!.on('data', check);
    void exited.then((e) =>
      rej(
        new Error(
          `serve exited before it was ready (code ${e.code}, signal ${e.signal}); stderr:\n${out.stderr}`,
        ),
      ),
    );
    check();
  });
  let urls: { mqttUrl: string; httpUrl: string };
  try {
    urls = await withDeadline(
      ready,
      timeout,
      `serve readiness; stdout so far:\n${out.stdout}\nstderr:\n${out.stderr}`,
    );
    // One HTTP round trip after the URLs: serve's event loop has turned, so the synchronous code
    // that follows the printing (its SIGINT/SIGTERM handlers) has run. Without it a signal sent
    // right at the URL lines can meet the default action (reported: serve.ts prints its URLs
    // before it installs its signal handlers).
    const url = urls.httpUrl;
    await withDeadline(
      waitFor(
        async () => (await fetch(`${url}/health`, { signal: AbortSignal.timeout(5000) })).ok,
        'GET /health',
      ),
      timeout,
      'serve to answer GET /health',
    );
  } catch (err) {
    proc.kill('SIGKILL');
    throw err;
  }
  const handle: ServeHandle = {
    proc,
    pid: proc.pid!,
    dataDir,
    ...urls,
    stdoutLines: lines,
    stdout: () => out.stdout,
    stderr: () => out.stderr,
    exited,
    alive: () => isAlive(proc),
    async stop(signal: NodeJS.Signals = 'SIGTERM', deadlineMs = DEFAULT_DEADLINE_MS) {
      if (isAlive(proc)) proc.kill(signal);
      return withDeadline(exited, deadlineMs, `serve to exit after ${signal}; stderr:\n${out.stderr}`);
    },
    async kill9() {
      if (isAlive(proc)) proc.kill('SIGKILL');
      return withDeadline(exited, DEFAULT_DEADLINE_MS, 'serve to exit after SIGKILL');
    },
    async dispose() {
      tracked.delete(t);
      try {
        await handle.stop();
      } catch {
        await handle.kill9().catch(() => undefined);
      }
      if (t.tempDir) removeDir(t.tempDir);
    },
  };
  return handle;
}

/**
 * Kills every serve this test file started (SIGKILL if still running) and removes the temp data
 * dirs the helper made. Call from afterEach/afterAll.
 */
export async function cleanupServes(): Promise<void> {
  const all = [...tracked];
  tracked.clear();
  for (const t of all) {
    if (isAlive(t.proc)) {
      try {
        if (t.proc.spawnargs && t.proc.pid) t.proc.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  for (const t of all) {
    await withDeadline(t.exited, DEFAULT_DEADLINE_MS, 'serve to exit during cleanup').catch(() => undefined);
    if (t.tempDir) removeDir(t.tempDir);
  }
}

// Belt and braces: never leave a child behind if the worker exits abruptly.
process.once('exit', () => {
  for (const t of tracked) if (isAlive(t.proc)) t.proc.kill('SIGKILL');
});

/** Polls `fn` until it returns a value that is not undefined/false, or the deadline passes. */
export async function waitFor<T>(
  fn: () => Promise<T | undefined | false | null> | T | undefined | false | null,
  what: string,
  { timeoutMs = DEFAULT_DEADLINE_MS, intervalMs = 50 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let lastErr: unknown = null;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false && v !== null) return v as T;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() > end) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? ` (last error: ${String(lastErr)})` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export interface HttpResult<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

/** GET a JSON endpoint; the body is parsed when it is JSON. */
export async function getJson<T = Record<string, unknown>>(url: string): Promise<HttpResult<T>> {
  const res = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: body as T, headers: res.headers };
}

/** A port that was free a moment ago (listen on 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

// The API's shapes are the product's own (product.md "Response shapes"): a test that reads a field
// the product does not have, or has renamed, does not compile.
export type ApiEvent = MarshalEvent;
export type EventsPage = EventPage;
export type RejectsPage = RejectPage;
export type StatsBody = Stats;
export type HealthBody = HealthSnapshot;
export type SensorRowBody = SensorRow;

/** A small typed client for one serve instance's HTTP API. */
export function api(httpUrl: string) {
  const q = (params: Record<string, string | number | undefined>) => {
    const s = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined) s.set(k, String(v));
    const str = s.toString();
    return str ? `?${str}` : '';
  };
  return {
    async events(params: Record<string, string | number | undefined> = {}): Promise<ApiEvent[]> {
      const r = await getJson<EventsPage>(`${httpUrl}/api/events${q(params)}`);
      if (r.status !== 200) throw new Error(`/api/events ${r.status}: ${JSON.stringify(r.body)}`);
      return r.body.events;
    },
    async rejects(limit?: number): Promise<RejectsPage> {
      const r = await getJson<RejectsPage>(`${httpUrl}/api/rejects${q({ limit })}`);
      if (r.status !== 200) throw new Error(`/api/rejects ${r.status}: ${JSON.stringify(r.body)}`);
      return r.body;
    },
    async stats(): Promise<StatsBody> {
      const r = await getJson<StatsBody>(`${httpUrl}/api/stats`);
      if (r.status !== 200) throw new Error(`/api/stats ${r.status}: ${JSON.stringify(r.body)}`);
      return r.body;
    },
    async health(): Promise<HttpResult<HealthBody>> {
      return getJson<HealthBody>(`${httpUrl}/api/health`);
    },
    async sensors(): Promise<SensorRowBody[]> {
      const r = await getJson<{ sensors: SensorRowBody[] }>(`${httpUrl}/api/sensors`);
      if (r.status !== 200) throw new Error(`/api/sensors ${r.status}: ${JSON.stringify(r.body)}`);
      return r.body.sensors;
    },
    /** Polls /api/events until `pick` finds what it wants. */
    async waitForEvents(
      params: Record<string, string | number | undefined>,
      pick: (events: ApiEvent[]) => boolean,
      what: string,
      timeoutMs = DEFAULT_DEADLINE_MS,
    ): Promise<ApiEvent[]> {
      return waitFor(
        async () => {
          const evs = await this.events(params);
          return pick(evs) ? evs : undefined;
        },
        what,
        { timeoutMs },
      );
    },
  };
}
