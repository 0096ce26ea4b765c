/**
 * The desktop shell's security regressions, against the real Electron app. Runs only where the
 * Electron binary exists; elsewhere it skips with the reason (the same UI is covered in Chromium
 * over the WebSocket host).
 */
import { _electron as electron, expect, test, type ElectronApplication, type Page } from '@playwright/test';
import { electronSqliteBinding } from '../scripts/electron-native.mjs';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const mainJs = join(root, 'out', 'main', 'index.js');

/** The executable node_modules/electron resolves to, or null when it was never downloaded. */
function electronExecutable(): string | null {
  try {
    const exe = createRequire(import.meta.url)('electron') as unknown;
    return typeof exe === 'string' && existsSync(exe) ? exe : null;
  } catch {
    return null;
  }
}

const exe = electronExecutable();

type Probe = Record<string, unknown>;

test.describe('electron shell', () => {
  test.skip(
    exe === null,
    'Electron binary not installed (no network to fetch it): node_modules/electron has no dist/. ' +
      'On a connected machine run `node node_modules/electron/install.js` (or set ELECTRON_MIRROR), ' +
      'then `npm run build && npx playwright test e2e/electron.spec.ts` (under xvfb-run on a headless Linux).',
  );

  let app: ElectronApplication;
  let page: Page;
  let dataDir: string;
  let binding: string | null = null;

  test.beforeAll(() => {
    if (!existsSync(mainJs))
      throw new Error(`${mainJs} is missing: run \`npm run build\` before the Electron e2e tests.`);
    // better-sqlite3 for Electron's ABI is built beside the Node one (scripts/electron-native.mjs),
    // exactly as `npm start` does, and handed to the app through MARSHAL_SQLITE_BINDING.
    binding = electronSqliteBinding(root);
    if (!binding) throw new Error('better-sqlite3 could not be built for Electron (see the output above).');
  });

  test.beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'marshal-electron-'));
    const env: NodeJS.ProcessEnv = { ...process.env, MARSHAL_SQLITE_BINDING: binding! };
    delete env.ELECTRON_RENDERER_URL;
    delete env.ELECTRON_RUN_AS_NODE;
    delete env.MQTT_BROKER;
    app = await electron.launch({
      args: [mainJs, '--data-dir', dataDir, '--mqtt-port', '0', '--http-port', '0'],
      cwd: root,
      env: env as Record<string, string>,
    });
    page = await app.firstWindow();
    await page.locator('[data-app-state="ready"]').waitFor({ timeout: 30_000 });
  });

  test.afterEach(async () => {
    const proc = app.process();
    await app.close();
    expect(proc.exitCode, 'the app quits cleanly (before-quit awaits core.stop)').toBe(0);
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('the page gets window.api and nothing from Node', async () => {
    const exposed = await page.evaluate(() => {
      const g = globalThis as unknown as Probe;
      const api = g.api as Probe | undefined;
      return {
        api: typeof api,
        subscribe: typeof api?.subscribe,
        health: typeof api?.['health.get'],
        require: typeof g.require,
        process: typeof g.process,
        module: typeof g.module,
        Buffer: typeof g.Buffer,
        ipcRenderer: typeof api?.ipcRenderer,
      };
    });
    expect(exposed).toEqual({
      api: 'object',
      subscribe: 'function',
      health: 'function',
      require: 'undefined',
      process: 'undefined',
      module: 'undefined',
      Buffer: 'undefined',
      ipcRenderer: 'undefined',
    });
  });

  test('commands round-trip over IPC and invalid requests are refused', async () => {
    const result = await page.evaluate(async () => {
      type Result = { ok: boolean; res?: unknown; status?: number; error?: string };
      const api = (globalThis as unknown as { api: Record<string, (req?: unknown) => Promise<Result>> }).api;
      // Methods resolve to the dispatcher's result: the status would not survive a rejection.
      const health = await api['health.get']!();
      const invalid = await api['events.list']!({ limit: -1 });
      return { health: health.ok && typeof health.res, invalid };
    });
    expect(result.health).toBe('object');
    expect(result.invalid).toMatchObject({ ok: false, status: 400 });
    expect(result.invalid.error).toMatch(/invalid events\.list request/);
  });

  test('window.open opens no window; http(s) links go to the system browser', async () => {
    await app.evaluate(({ shell }) => {
      const g = globalThis as unknown as { __opened: string[] };
      g.__opened = [];
      shell.openExternal = async (url: string) => {
        g.__opened.push(url);
      };
    });
    const returned = await page.evaluate(() => {
      const open = (globalThis as unknown as { open: (url: string) => unknown }).open;
      return [open('https://example.com'), open('file:///etc/passwd'), open('javascript:alert(1)')].map(
        (w) => w === null,
      );
    });
    expect(returned).toEqual([true, true, true]);
    const state = await app.evaluate(({ BrowserWindow }) => ({
      windows: BrowserWindow.getAllWindows().length,
      opened: (globalThis as unknown as { __opened: string[] }).__opened,
    }));
    expect(state.windows).toBe(1);
    expect(state.opened.map((u) => new URL(u).href)).toEqual(['https://example.com/']);
  });

  test('navigating away from the app is blocked', async () => {
    const before = page.url();
    await app.evaluate(({ BrowserWindow }) => {
      const g = globalThis as unknown as { __navigation: Promise<{ url: string; prevented: boolean }> };
      const wc = BrowserWindow.getAllWindows()[0]!.webContents;
      g.__navigation = new Promise((resolve) => {
        // Registered after the app's own guard, so it sees that guard's decision.
        wc.once('will-navigate', (event) => resolve({ url: event.url, prevented: event.defaultPrevented }));
      });
    });
    await page.evaluate(() => {
      (globalThis as unknown as { location: { href: string } }).location.href = 'https://example.com/';
    });
    const navigation = await app.evaluate(
      () =>
        (globalThis as unknown as { __navigation: Promise<{ url: string; prevented: boolean }> })
          .__navigation,
    );
    expect(navigation).toEqual({ url: 'https://example.com/', prevented: true });
    expect(page.url()).toBe(before);
    await expect(page.locator('[data-app-state="ready"]')).toBeVisible();
  });
});
