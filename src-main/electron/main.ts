/**
 * The desktop shell: one sandboxed window wired to the core through the IPC adapter. Everything
 * domain-related lives in the core; this file only owns the app lifecycle, the window, the menu and
 * the browser-side security policy.
 */
import {
  app,
  BrowserWindow,
  dialog,
  Menu,
  session,
  shell,
  type MenuItemConstructorOptions,
  type Session,
  type WebContents,
} from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createCore } from '../core/index';
import { PLUGINS } from '../plugins';
import { resolveConfig, type ServeConfig } from '../core/config';
import { startHttpHost, type HttpHost } from '../host/http';
import type { Core, CoreConfig } from '../core/types';
import { webBluetoothSelector } from '../bridges/ble/web-bluetooth';
import { registerIpc } from './ipc';
import {
  contentSecurityPolicy,
  createPermissionPolicy,
  isAppNavigation,
  isSafeExternalUrl,
  withCsp,
  type PermissionPolicy,
} from './security';
import { appArgv, describeStartupError } from './startup';

const here = dirname(fileURLToPath(import.meta.url));
const PRELOAD = join(here, '../preload/index.cjs');
const RENDERER_INDEX = join(here, '../renderer/index.html');
/** Matches the renderer's dark background so the window never flashes white. */
const BACKGROUND = '#0b0e12';
/** How long quitting waits for the core to flush and close before giving up. */
const STOP_TIMEOUT_MS = 10_000;

// electron-vite sets ELECTRON_RENDERER_URL for `npm run dev`; a packaged app never honours it.
const devUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL || undefined : undefined;
const appUrl = devUrl ?? pathToFileURL(RENDERER_INDEX).href;

/**
 * Browser permissions granted to the app's page; everything else is denied. Bluetooth: the BLE
 * bridge's Web Bluetooth agent runs in the page (where BlueZ over D-Bus is not available), and
 * the main process chooses its devices in `select-bluetooth-device` (guardWebContents).
 */
const RENDERER_PERMISSIONS: readonly string[] = ['bluetooth'];

let core: Core | null = null;
let httpHost: HttpHost | null = null;
let mainWindow: BrowserWindow | null = null;
let quitState: 'running' | 'stopping' | 'stopped' = 'running';

function fatal(title: string, reason: string): void {
  console.error(`marshal: ${title}: ${reason}`);
  dialog.showErrorBox(title, reason);
  app.exit(1);
}

function resolveDesktopConfig(): ServeConfig | null {
  const { args, ignored } = appArgv(process.argv, Boolean(process.defaultApp));
  // Flag names only: a value given as --flag=value could be a secret.
  const unknown = ignored
    .filter((a) => a.startsWith('--') && !a.startsWith('--inspect'))
    .map((a) => a.split('=')[0]);
  if (unknown.length) console.info(`marshal: passing over non-Marshal arguments: ${unknown.join(' ')}`);
  try {
    return resolveConfig({ argv: args, env: process.env, defaultDataDir: app.getPath('userData') });
  } catch (err) {
    fatal('Marshal: invalid settings', describeStartupError(err));
    return null;
  }
}

function installSessionPolicy(ses: Session, permissions: PermissionPolicy): void {
  const csp = contentSecurityPolicy(devUrl !== undefined);
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: withCsp(details.responseHeaders, csp) });
  });
  ses.setPermissionRequestHandler((webContents, permission, callback, details) => {
    const url = details.requestingUrl || webContents.getURL();
    const granted = permissions.allows(permission, url);
    if (!granted) console.warn(`marshal: denied permission request "${permission}"`);
    callback(granted);
  });
  ses.setPermissionCheckHandler((webContents, permission, _origin, details) =>
    permissions.allows(permission, details.requestingUrl || webContents?.getURL()),
  );
  ses.setDevicePermissionHandler((details) => permissions.allows(details.deviceType, details.origin));
}

function guardWebContents(contents: WebContents): void {
  contents.on('will-navigate', (event) => {
    if (isAppNavigation(event.url, appUrl)) return;
    event.preventDefault();
    console.warn(`marshal: blocked navigation to ${event.url.slice(0, 200)}`);
  });
  contents.on('will-redirect', (event) => {
    if (!event.isMainFrame || isAppNavigation(event.url, appUrl)) return;
    event.preventDefault();
    console.warn(`marshal: blocked redirect to ${event.url.slice(0, 200)}`);
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  // Web Bluetooth: the main process picks the device (the one the BLE bridge wants), never the page.
  contents.on('select-bluetooth-device', (event, devices, callback) => {
    event.preventDefault();
    if (!isAppNavigation(contents.getURL(), appUrl)) return callback('');
    webBluetoothSelector.onSelect(devices, callback);
  });
  contents.setWindowOpenHandler(({ url }) => {
    if (isSafeExternalUrl(url)) {
      shell.openExternal(url).catch((err: unknown) => console.error('marshal: could not open link', err));
    } else {
      console.warn(`marshal: blocked window.open(${url.slice(0, 200)})`);
    }
    return { action: 'deny' };
  });
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    show: false,
    title: 'Marshal',
    backgroundColor: BACKGROUND,
    webPreferences: {
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      webviewTag: false,
      preload: PRELOAD,
      spellcheck: false,
    },
  });
  mainWindow = win;
  win.once('ready-to-show', () => win.show());
  // If the page never becomes ready (missing build, crash), still show the window so it is visible.
  const fallback = setTimeout(() => {
    if (!win.isDestroyed() && !win.isVisible()) win.show();
  }, 10_000);
  // A crashed renderer comes back on its own (at most every 10 s, so a crash loop cannot spin).
  let lastRecovery = 0;
  win.webContents.on('render-process-gone', (_event, details) => {
    console.error(`marshal: the interface process ended (${details.reason})`);
    if (details.reason === 'clean-exit' || win.isDestroyed() || Date.now() - lastRecovery < 10_000) return;
    lastRecovery = Date.now();
    win.webContents.reload();
  });
  win.on('closed', () => {
    clearTimeout(fallback);
    if (mainWindow === win) mainWindow = null;
  });
  const loading = devUrl ? win.loadURL(devUrl) : win.loadFile(RENDERER_INDEX);
  loading.catch((err: unknown) => {
    console.error('marshal: the renderer failed to load', err);
    if (!devUrl) {
      dialog.showErrorBox(
        'Marshal: the interface did not load',
        `${(err as Error).message}\n\nExpected ${RENDERER_INDEX}; run \`npm run build\` first.`,
      );
    }
  });
  return win;
}

function showWindow(): void {
  if (!core) return;
  const win = mainWindow ?? createWindow();
  if (win.isMinimized()) win.restore();
  if (win.isVisible()) win.focus();
}

function buildMenu(config: CoreConfig): Menu {
  const isMac = process.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [
    ...(isMac ? [{ role: 'appMenu' } as const] : []),
    { role: 'fileMenu' },
    { role: 'editMenu' },
    {
      label: 'View',
      submenu: [
        { role: 'reload' },
        { role: 'forceReload' },
        { role: 'toggleDevTools' },
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
    {
      role: 'help',
      submenu: [
        {
          label: 'Broker Addresses…',
          click: () => {
            const urls = core?.mqttUrls() ?? [];
            void dialog.showMessageBox({
              type: 'info',
              title: 'Broker addresses',
              message: urls.length ? 'Devices connect to:' : 'No broker listener is running.',
              detail: urls.join('\n'),
            });
          },
        },
        {
          label: 'Open Data Folder',
          click: () => {
            void shell.openPath(config.dataDir);
          },
        },
        ...(isMac ? [] : [{ type: 'separator' } as const, { role: 'about' } as const]),
      ],
    },
  ];
  return Menu.buildFromTemplate(template);
}

/**
 * The desktop app serves the same HTTP API, /live and spectator pages as `serve` (loopback unless
 * --lan), so other screens and scripts work while it runs. A busy port costs only that, not the app.
 */
async function startHttp(started: Core, config: ServeConfig): Promise<void> {
  try {
    httpHost = await startHttpHost(started as Parameters<typeof startHttpHost>[0], {
      port: config.httpPort,
      lan: config.lan,
      allowedHosts: config.allowedHosts,
      rendererDir: join(dirname(fileURLToPath(import.meta.url)), '../renderer'),
    });
    for (const url of httpHost.urls) console.info(`marshal: web UI and API at ${url}`);
  } catch (err) {
    console.error(`marshal: the HTTP API is not available: ${(err as Error).message}`);
  }
}

async function start(config: ServeConfig): Promise<void> {
  installSessionPolicy(session.defaultSession, createPermissionPolicy(appUrl, RENDERER_PERMISSIONS));
  let started: Core | null = null;
  try {
    started = core = createCore(config, PLUGINS);
    await started.start();
  } catch (err) {
    await started?.stop().catch(() => undefined);
    core = null;
    if (quitState !== 'running') return void app.quit();
    fatal('Marshal could not start', describeStartupError(err, config));
    return;
  }
  if (quitState !== 'running' || !started) return;
  await startHttp(started, config);
  registerIpc({ core: started, appUrl, getWindow: () => mainWindow });
  Menu.setApplicationMenu(buildMenu(config));
  createWindow();
}

function main(): void {
  const config = resolveDesktopConfig();
  if (!config) return;

  // One profile per data directory: Chromium's own files go to a subfolder, and the
  // single-instance lock (kept in userData) then guards exactly one data directory.
  app.setPath('userData', config.dataDir);
  app.setPath('sessionData', join(config.dataDir, 'session'));
  if (!app.requestSingleInstanceLock()) {
    console.info('marshal: already running for this data directory; focusing it');
    app.quit();
    return;
  }

  app.enableSandbox();
  app.setAboutPanelOptions({ applicationName: 'Marshal', applicationVersion: app.getVersion() });
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents));
  app.on('second-instance', showWindow);
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) showWindow();
  });
  app.on('window-all-closed', () => {
    // On macOS the core keeps ingesting with no window, as apps do there; elsewhere closing quits.
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('before-quit', (event) => {
    if (!core || quitState === 'stopped') return;
    event.preventDefault();
    if (quitState === 'stopping') return;
    quitState = 'stopping';
    const stopping = core;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        console.error(`marshal: the core did not stop within ${STOP_TIMEOUT_MS} ms; quitting anyway`);
        resolve();
      }, STOP_TIMEOUT_MS);
    });
    const stopAll = async () => {
      await httpHost?.close().catch(() => undefined);
      await stopping.stop();
    };
    Promise.race([stopAll(), timeout])
      .catch((err: unknown) => console.error('marshal: error while stopping the core', err))
      .finally(() => {
        clearTimeout(timer);
        quitState = 'stopped';
        app.quit();
      });
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit());

  app
    .whenReady()
    .then(() => start(config))
    .catch((err: unknown) => fatal('Marshal could not start', describeStartupError(err, config)));
}

main();
