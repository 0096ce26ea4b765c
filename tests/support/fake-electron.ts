/**
 * A small stand-in for the `electron` module, enough to run main.ts under vitest (where no Electron
 * binary exists): it records windows, IPC handlers, session hooks, dialogs and pushes so the test
 * can drive the real core through the shell's wiring. Test-only; never bundled.
 */
import { EventEmitter } from 'node:events';
import { pathToFileURL } from 'node:url';

export interface FakeEvent {
  defaultPrevented: boolean;
  preventDefault(): void;
  [key: string]: unknown;
}

export function fakeEvent(extra: Record<string, unknown> = {}): FakeEvent {
  return {
    defaultPrevented: false,
    preventDefault() {
      this.defaultPrevented = true;
    },
    ...extra,
  };
}

type Fn = (...args: never[]) => unknown;

export const fake = {
  log: [] as string[],
  windows: [] as FakeBrowserWindow[],
  ipc: new Map<string, (event: unknown, req: unknown) => Promise<unknown>>(),
  sent: [] as unknown[][],
  opened: [] as string[],
  errors: [] as [string, string][],
  menus: [] as unknown[],
  session: {} as Record<string, Fn>,
  quitted: false,
  exitCode: undefined as number | undefined,
};

class FakeApp extends EventEmitter {
  isPackaged = false;
  private paths: Record<string, string> = { userData: '/nonexistent/fake-electron/userData' };
  getPath(name: string): string {
    return this.paths[name] ?? `/nonexistent/${name}`;
  }
  setPath(name: string, value: string): void {
    this.paths[name] = value;
    fake.log.push(`setPath ${name}=${value}`);
  }
  requestSingleInstanceLock(): boolean {
    return true;
  }
  enableSandbox(): void {
    fake.log.push('enableSandbox');
  }
  setAboutPanelOptions(): void {}
  getVersion(): string {
    return '0.0.0-test';
  }
  whenReady(): Promise<void> {
    return Promise.resolve();
  }
  quit(): void {
    const event = fakeEvent();
    this.emit('before-quit', event);
    if (!event.defaultPrevented) {
      fake.quitted = true;
      fake.log.push('quit');
    }
  }
  exit(code = 0): void {
    fake.exitCode = code;
    fake.log.push(`exit ${code}`);
  }
}
export const app = new FakeApp();

let nextId = 1;
export class FakeWebContents extends EventEmitter {
  readonly id = nextId++;
  url = '';
  destroyed = false;
  windowOpenHandler?: (details: { url: string }) => unknown;
  isDestroyed(): boolean {
    return this.destroyed;
  }
  isLoading(): boolean {
    return false;
  }
  isCrashed(): boolean {
    return false;
  }
  getURL(): string {
    return this.url;
  }
  send(channel: string, ...args: unknown[]): void {
    fake.sent.push([channel, ...args]);
  }
  setWindowOpenHandler(handler: (details: { url: string }) => unknown): void {
    this.windowOpenHandler = handler;
  }
}

export class FakeBrowserWindow extends EventEmitter {
  static getAllWindows(): FakeBrowserWindow[] {
    return fake.windows.filter((w) => !w.destroyed);
  }
  readonly webContents = new FakeWebContents();
  destroyed = false;
  visible = false;
  loaded?: string;
  constructor(
    readonly options: { show?: boolean; backgroundColor?: string; webPreferences?: Record<string, unknown> },
  ) {
    super();
    fake.windows.push(this);
    app.emit('web-contents-created', fakeEvent(), this.webContents);
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  isVisible(): boolean {
    return this.visible;
  }
  isMinimized(): boolean {
    return false;
  }
  show(): void {
    this.visible = true;
  }
  focus(): void {}
  restore(): void {}
  async loadFile(path: string): Promise<void> {
    this.loaded = path;
    this.webContents.url = pathToFileURL(path).href;
    setImmediate(() => this.emit('ready-to-show'));
  }
  async loadURL(url: string): Promise<void> {
    this.loaded = url;
    this.webContents.url = url;
    setImmediate(() => this.emit('ready-to-show'));
  }
}
export { FakeBrowserWindow as BrowserWindow };

export const ipcMain = {
  handle(channel: string, fn: (event: unknown, req: unknown) => Promise<unknown>): void {
    if (fake.ipc.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    fake.ipc.set(channel, fn);
  },
  removeHandler(channel: string): void {
    fake.ipc.delete(channel);
  },
};

export const session = {
  defaultSession: {
    webRequest: {
      onHeadersReceived(fn: Fn) {
        fake.session.headers = fn;
      },
    },
    setPermissionRequestHandler(fn: Fn) {
      fake.session.request = fn;
    },
    setPermissionCheckHandler(fn: Fn) {
      fake.session.check = fn;
    },
    setDevicePermissionHandler(fn: Fn) {
      fake.session.device = fn;
    },
  },
};

export const shell = {
  async openExternal(url: string): Promise<void> {
    fake.opened.push(url);
  },
  async openPath(path: string): Promise<string> {
    fake.log.push(`openPath ${path}`);
    return '';
  },
};

export const dialog = {
  showErrorBox(title: string, body: string): void {
    fake.errors.push([title, body]);
  },
  async showMessageBox(options: { message: string; detail?: string }): Promise<{ response: number }> {
    fake.log.push(`messageBox ${options.message} ${options.detail ?? ''}`);
    return { response: 0 };
  },
};

export const Menu = {
  buildFromTemplate<T>(template: T): T {
    return template;
  },
  setApplicationMenu(menu: unknown): void {
    fake.menus.push(menu);
  },
};
