#!/usr/bin/env node
// `npm start`: make sure the Electron binary exists (fetching it once if the network allows),
// rebuild out/ when sources are newer, then run the desktop app, forwarding argv and signals.
import { spawn, spawnSync } from 'node:child_process';
import console from 'node:console';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';
import { buildIfStale } from './build-if-stale.mjs';
import { electronSqliteBinding } from './electron-native.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const electronDir = join(root, 'node_modules', 'electron');
const INSTALL_TIMEOUT_MS = 5 * 60_000;

/** The Electron executable as node_modules/electron/index.js would resolve it, or null. */
function electronBinary() {
  const platformPath =
    process.platform === 'darwin'
      ? 'Electron.app/Contents/MacOS/Electron'
      : process.platform === 'win32'
        ? 'electron.exe'
        : 'electron';
  let rel = null;
  try {
    rel = readFileSync(join(electronDir, 'path.txt'), 'utf8').trim();
  } catch {
    // Not installed, unless ELECTRON_OVERRIDE_DIST_PATH points at an unpacked build.
  }
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (!rel && !override) return null;
  const exe = join(override || join(electronDir, 'dist'), rel || platformPath);
  return existsSync(exe) ? exe : null;
}

function ensureElectron() {
  let exe = electronBinary();
  if (exe) return exe;
  if (!existsSync(join(electronDir, 'install.js'))) {
    fail(
      'The electron package is not installed (node_modules/electron is missing). Run `npm install` first.',
    );
  }
  console.log(
    'marshal: the Electron binary is missing; trying to fetch it once (node node_modules/electron/install.js)…',
  );
  const env = { ...process.env };
  delete env.ELECTRON_SKIP_BINARY_DOWNLOAD;
  const result = spawnSync(process.execPath, [join(electronDir, 'install.js')], {
    cwd: electronDir,
    stdio: 'inherit',
    env,
    timeout: INSTALL_TIMEOUT_MS,
  });
  exe = electronBinary();
  if (exe) return exe;
  const why = result.error
    ? ` (${result.error.message})`
    : result.status
      ? ` (install.js exited with ${result.status})`
      : '';
  fail(
    [
      `The Electron binary could not be fetched${why}.`,
      '',
      'Without it the desktop shell cannot run on this machine. Either:',
      '  • run the same app in a browser: `npm run serve`, then open the printed http:// URL;',
      '  • point the download at a reachable mirror: ELECTRON_MIRROR=https://<mirror>/electron/ npm start',
      '    (or ELECTRON_OVERRIDE_DIST_PATH=<dir with an unpacked Electron build>);',
      '  • or run `npm install` on a connected machine and copy node_modules/electron/dist over.',
    ].join('\n'),
  );
}

function fail(message) {
  console.error(`\nmarshal: ${message}\n`);
  process.exit(1);
}

const exe = ensureElectron();
buildIfStale();

const binding = electronSqliteBinding(root);
if (!binding) {
  fail(
    'better-sqlite3 could not be built for Electron (no prebuilt binary reachable and no compiler or headers). `npm run serve` runs the same console in a browser.',
  );
}

const env = { ...process.env, MARSHAL_SQLITE_BINDING: binding };
// Set by some editors' terminals; it would make Electron run as plain Node.
delete env.ELECTRON_RUN_AS_NODE;
const child = spawn(exe, ['.', ...process.argv.slice(2)], { cwd: root, stdio: 'inherit', env });
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  });
}
child.on('error', (err) => fail(`could not run ${exe}: ${err.message}`));
child.on('exit', (code, signal) => {
  if (signal) {
    console.error(`marshal: Electron exited with ${signal}`);
    process.exit(1);
  }
  process.exit(code ?? 0);
});
