/**
 * Runs the real main.ts and core against a fake `electron` module: the shell's wiring (window
 * options, guards, CSP, permissions, IPC validation, push forwarding, clean quit) is checked here
 * on every machine; e2e/electron.spec.ts repeats the essentials against real Electron where the
 * binary exists.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { app, fake, fakeEvent, type FakeBrowserWindow } from '../../tests/support/fake-electron';

vi.mock('electron', () => import('../../tests/support/fake-electron'));

async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const started = Date.now();
  while (!check()) {
    if (Date.now() - started > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

let dataDir: string;
let win: FakeBrowserWindow;
let appUrl: string;
const savedArgv = process.argv;

type Frame = { url: string; parent: unknown } | null;
function call(
  name: string,
  req: unknown,
  frame: Frame = { url: `${appUrl}#/`, parent: null },
  sender?: { id: number },
) {
  const handler = fake.ipc.get(`marshal:cmd:${name}`);
  if (!handler) throw new Error(`no IPC handler for ${name}`);
  return handler({ sender: sender ?? win.webContents, senderFrame: frame }, req) as Promise<
    Record<string, unknown>
  >;
}

function brokerUrl(): string {
  const help = (
    fake.menus[0] as { role?: string; submenu?: { label?: string; click?: () => void }[] }[]
  ).find((m) => m.role === 'help');
  help?.submenu?.find((item) => item.label === 'Broker Addresses…')?.click?.();
  const line = fake.log.find((l) => l.startsWith('messageBox')) ?? '';
  const url = /mqtt:\/\/\S+/.exec(line)?.[0];
  if (!url) throw new Error(`no broker URL in "${line}"`);
  return url;
}

describe('electron main (fake electron, real core)', () => {
  beforeAll(async () => {
    // The shell logs each refusal; keep the test output to failures.
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    vi.spyOn(console, 'info').mockImplementation(() => undefined);
    dataDir = mkdtempSync(join(tmpdir(), 'marshal-shell-'));
    process.argv = [
      '/fake/electron',
      '--inspect=0',
      'out/main/index.js',
      '--data-dir',
      dataDir,
      '--mqtt-port',
      '0',
      '--http-port',
      '0',
      '--no-sandbox',
    ];
    Reflect.set(process, 'defaultApp', true); // as when run as `electron <app>`
    await import('./main');
    await until('the window', () => fake.windows.length > 0 || fake.errors.length > 0);
    expect(fake.errors).toEqual([]);
    win = fake.windows[0]!;
    appUrl = pathToFileURL(win.loaded ?? '').href;
  });

  afterAll(() => {
    vi.restoreAllMocks();
    process.argv = savedArgv;
    Reflect.deleteProperty(process, 'defaultApp');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('opens one hardened, initially hidden window on the built renderer', async () => {
    expect(fake.windows).toHaveLength(1);
    expect(win.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    });
    expect(String(win.options.webPreferences?.preload)).toMatch(/[\\/]preload[\\/]index\.cjs$/);
    expect(win.options.show).toBe(false);
    expect(win.options.backgroundColor).toMatch(/^#[0-9a-f]{6}$/i);
    expect(win.loaded).toMatch(/[\\/]renderer[\\/]index\.html$/);
    await until('ready-to-show', () => win.visible);
    expect(fake.log).toContain('enableSandbox');
    expect(fake.log).toContain(`setPath userData=${dataDir}`);
  });

  it('blocks navigation away, webviews and popups; hands http(s) links to the system browser', async () => {
    const wc = win.webContents;
    const navigate = (url: string) => {
      const event = fakeEvent({ url });
      wc.emit('will-navigate', event);
      return event.defaultPrevented;
    };
    expect(navigate('https://example.com/')).toBe(true);
    expect(navigate('file:///etc/passwd')).toBe(true);
    expect(navigate(`${appUrl}#/runs`)).toBe(false);
    const webview = fakeEvent();
    wc.emit('will-attach-webview', webview, {}, {});
    expect(webview.defaultPrevented).toBe(true);
    for (const url of ['https://example.com/', 'file:///etc/passwd', 'javascript:alert(1)']) {
      expect(wc.windowOpenHandler?.({ url })).toEqual({ action: 'deny' });
    }
    await new Promise((resolve) => setImmediate(resolve));
    expect(fake.opened).toEqual(['https://example.com/']);
    expect(vi.mocked(console.warn)).toHaveBeenCalledWith(
      'marshal: blocked navigation to https://example.com/',
    );
  });

  it('sets the CSP header and denies permissions', () => {
    let headers: Record<string, string[]> = {};
    fake.session.headers!(
      {
        responseHeaders: { 'content-security-policy': ['default-src *'], 'Content-Type': ['text/html'] },
      } as never,
      ((r: { responseHeaders: Record<string, string[]> }) => (headers = r.responseHeaders)) as never,
    );
    expect(headers['Content-Security-Policy']?.[0]).toMatch(/^default-src 'self'; script-src 'self';/);
    expect(Object.keys(headers).filter((k) => k.toLowerCase() === 'content-security-policy')).toHaveLength(1);
    let granted: boolean | undefined;
    fake.session.request!(
      win.webContents as never,
      'media' as never,
      ((g: boolean) => (granted = g)) as never,
      { requestingUrl: appUrl } as never,
    );
    expect(granted).toBe(false);
    expect(
      fake.session.check!(
        win.webContents as never,
        'notifications' as never,
        'file://' as never,
        { requestingUrl: appUrl } as never,
      ),
    ).toBe(false);
    expect(fake.session.device!({ deviceType: 'serial', origin: 'file://' } as never)).toBe(false);
  });

  it('serves every command to the app page only, validated', async () => {
    expect([...fake.ipc.keys()].every((k) => k.startsWith('marshal:cmd:'))).toBe(true);
    const health = await call('health.get', undefined);
    expect(health).toMatchObject({ ok: true, res: { broker: { state: 'up' } } });
    expect(await call('stats.get', {})).toMatchObject({ ok: true });
    expect(await call('events.list', { limit: 5 })).toMatchObject({ ok: true });

    const untrusted = { ok: false, error: 'untrusted sender', status: 403 };
    expect(await call('health.get', undefined, { url: 'https://evil/', parent: null })).toEqual(untrusted);
    expect(await call('health.get', undefined, { url: 'file:///tmp/evil.html', parent: null })).toEqual(
      untrusted,
    );
    expect(await call('health.get', undefined, { url: appUrl, parent: {} })).toEqual(untrusted);
    expect(await call('health.get', undefined, null)).toEqual(untrusted);
    expect(await call('health.get', undefined, undefined, { id: -1 })).toEqual(untrusted);

    expect(await call('events.list', { limit: -1 })).toMatchObject({ ok: false, status: 400 });
  });

  it('forwards batched pushes, and none to a destroyed window', async () => {
    const client = await mqtt.connectAsync(brokerUrl(), { clientId: 'shell-probe', reconnectPeriod: 0 });
    await client.publishAsync('probe/hello', JSON.stringify({ hi: 1 }), { qos: 1 });
    await until('a health push', () => fake.sent.some(([c, n]) => c === 'marshal:push' && n === 'health'));
    await client.endAsync();
    expect(fake.sent.every(([c, n]) => c === 'marshal:push' && typeof n === 'string')).toBe(true);

    const before = fake.sent.length;
    win.destroyed = true;
    win.webContents.destroyed = true;
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(fake.sent.length).toBe(before);
  });

  it('quits only after the core has stopped', async () => {
    const url = brokerUrl();
    app.quit();
    expect(fake.quitted).toBe(false);
    await until('quit', () => fake.quitted);
    expect(fake.exitCode).toBeUndefined();
    await expect(mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 1_000 })).rejects.toThrow();
  });
});
