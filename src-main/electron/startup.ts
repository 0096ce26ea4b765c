/**
 * Pure helpers for the Electron entry: picking Marshal's own flags out of Electron's argv, and
 * turning a startup failure into a sentence an operator can act on.
 */

/**
 * Marshal's command-line flags as `resolveConfig` parses them (strictly). A new flag in
 * src-main/core/config.ts needs a line here to reach the desktop app.
 */
const APP_FLAGS: Readonly<Record<string, 'string' | 'boolean'>> = {
  'data-dir': 'string',
  'mqtt-port': 'string',
  'http-port': 'string',
  lan: 'boolean',
  'broker-url': 'string',
  'tls-cert': 'string',
  'tls-key': 'string',
  'tls-port': 'string',
  'broker-ca': 'string',
  'range-prefix': 'string',
  'max-payload-bytes': 'string',
  'raw-retention-minutes': 'string',
};

export interface AppArgv {
  /** Marshal's flags, ready for `resolveConfig({ argv })`. */
  args: string[];
  /** Everything else: Chromium/Electron switches, the app path, stray positionals. */
  ignored: string[];
}

/**
 * Electron's argv is `[exe, ...switches, appPath, ...args]` when run as `electron <app>` (defaultApp)
 * and `[exe, ...args]` when packaged, with Chromium switches (`--no-sandbox`, `--enable-logging`)
 * mixed in anywhere. `resolveConfig` is strict, so only Marshal's own flags are passed on.
 */
export function appArgv(argv: readonly string[], defaultApp: boolean): AppArgv {
  let rest = argv.slice(1);
  const ignored: string[] = [];
  if (defaultApp) {
    const appPathAt = rest.findIndex((a) => !a.startsWith('-'));
    ignored.push(...rest.slice(0, appPathAt + 1));
    rest = appPathAt === -1 ? [] : rest.slice(appPathAt + 1);
  }
  const args: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const token = rest[i]!;
    const match = /^--([^=]+)(=.*)?$/.exec(token);
    const kind = match ? APP_FLAGS[match[1]!] : undefined;
    if (!match || !kind) {
      ignored.push(token);
      continue;
    }
    args.push(token);
    if (kind === 'string' && match[2] === undefined && i + 1 < rest.length) {
      args.push(rest[++i]!);
    }
  }
  return { args, ignored };
}

/** One readable sentence for the startup error dialog. */
export function describeStartupError(
  err: unknown,
  config?: { mqttPort?: number; brokerUrl?: string },
): string {
  const e = err as (Error & { code?: string; port?: number; address?: string }) | undefined;
  const message = e instanceof Error ? e.message : String(err);
  if (e?.code === 'EADDRINUSE') {
    const port = e.port ?? config?.mqttPort;
    return (
      `The MQTT port ${port ?? ''} is already in use (another broker such as mosquitto may be running).\n\n` +
      'Stop it, or start Marshal with --mqtt-port <port>, or connect to it with --broker-url mqtt://host:port.'
    );
  }
  if (e?.code === 'ERR_DLOPEN_FAILED' && /NODE_MODULE_VERSION|different Node\.js version/.test(message)) {
    return (
      'A native module (better-sqlite3) is built for Node.js, not for Electron.\n\n' +
      'Start the app with `npm start`, which builds an Electron copy beside the Node one and passes it ' +
      'in MARSHAL_SQLITE_BINDING (packaged builds get theirs from electron-builder).\n\n' +
      message
    );
  }
  if (e?.code === 'EACCES') {
    return `Permission denied: ${message}\n\nPorts below 1024 need privileges; try --mqtt-port 1883 or higher.`;
  }
  if (e?.code === 'ECONNREFUSED' && config?.brokerUrl) {
    return `The external broker refused the connection: ${message}`;
  }
  return message || 'unknown error';
}
